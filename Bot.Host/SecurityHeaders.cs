namespace Bot.Host;

/// <summary>
/// Headers on every response: nothing loaded or framed from elsewhere, no referrer leaking where a
/// person came from, no caching of pages a shared phone could show again.
/// </summary>
public static class SecurityHeaders
{
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        app.Use((http, next) =>
        {
            var headers = http.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
            headers.CacheControl = "no-store";
            if (http.Request.IsHttps)
            {
                // Served over HTTPS (directly, or through a trusted proxy's X-Forwarded-Proto): never over plain HTTP again.
                headers.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
            }
            return next(http);
        });
        return app;
    }
}
