using System.Security.Claims;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bot.Content;
using Bot.Host.Storage;
using Bot.Host.Turns;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Bot.Host.Operators;

public static partial class OperatorSetup
{
    public const string SupervisorPolicy = "supervisor";
    /// <summary>The header the console's script (and an API client signed in with the cookie) sends with every POST.</summary>
    public const string AntiforgeryHeader = "X-CSRF-TOKEN";

    public static IHostApplicationBuilder AddOperatorConsole(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TicketOptions>().BindConfiguration("Tickets").ValidateOnStart();
        builder.Services.AddSingleton<TicketEvents>();
        builder.Services.AddSingleton<TicketService>();
        builder.Services.AddSingleton<OperatorShift>();
        builder.Services.AddSingleton<ITurnRecorder, TicketRecorder>();
        builder.Services.AddHostedService<NoOperatorWatch>();
        builder.Services.AddSingleton<TicketStatistics>();
        builder.Services.AddOptions<SignInLimitOptions>().BindConfiguration("Operators:SignIn");
        builder.Services.AddSingleton<SignInLimits>();
        builder.Services.AddScoped<OperatorSignIn>();
        builder.Services.AddOperatorIdentity(builder.Configuration)
            .AddSignInManager()
            .AddClaimsPrincipalFactory<OperatorClaims>();
        // Outside Development the cookies are Secure and __Host- (this host only, path /, never over plain HTTP), whatever the
        // request's scheme: TLS may end at a proxy. Operators:SecureCookiesOnly=false is for plain HTTP on loopback only.
        var secure = builder.Configuration.GetValue("Operators:SecureCookiesOnly", !builder.Environment.IsDevelopment());
        var securePolicy = secure ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        var cookiePrefix = secure ? "__Host-" : "";
        builder.Services.AddAuthentication(IdentityConstants.ApplicationScheme).AddIdentityCookies();
        // A disabled operator's open session ends within a minute (the security stamp is checked this often).
        var sessionCheck = builder.Configuration.GetValue("Operators:SessionCheck", TimeSpan.FromMinutes(1));
        builder.Services.Configure<SecurityStampValidatorOptions>(stamp => stamp.ValidationInterval = sessionCheck);
        builder.Services.ConfigureApplicationCookie(cookie =>
        {
            cookie.Cookie.Name = cookiePrefix + "operator";
            cookie.Cookie.Path = "/";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;   // the API's POSTs cannot be forged from another site
            cookie.Cookie.SecurePolicy = securePolicy;
            cookie.ExpireTimeSpan = TimeSpan.FromHours(10);   // one shift
            cookie.SlidingExpiration = true;
            cookie.LoginPath = "/operators/signin";
            cookie.Events.OnRedirectToLogin = context => Deny(context, StatusCodes.Status401Unauthorized);
            cookie.Events.OnRedirectToAccessDenied = context => Deny(context, StatusCodes.Status403Forbidden);
        });
        builder.Services.AddAntiforgery(antiforgery =>
        {
            antiforgery.HeaderName = AntiforgeryHeader;
            antiforgery.Cookie.Name = cookiePrefix + "operator-antiforgery";
            antiforgery.Cookie.Path = "/";
            antiforgery.Cookie.HttpOnly = true;
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.SecurePolicy = securePolicy;
            antiforgery.SuppressXFrameOptionsHeader = true;   // SecurityHeaders sends DENY
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(SupervisorPolicy, policy => policy.RequireRole(nameof(OperatorRole.Supervisor)));
        builder.Services.AddOpenApi();
        return builder;
    }

    /// <summary>The API answers 401/403; console pages redirect to the sign-in page.</summary>
    private static Task Deny(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }
        return Task.CompletedTask;
    }

    public static OperatorIdentity Operator(this ClaimsPrincipal user) => new(
        Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!), user.Identity!.Name!,
        Enum.Parse<OperatorRole>(user.FindFirstValue(ClaimTypes.Role)!), user.FindFirstValue("gender")!, user.FindFirstValue("display")!);

    public static WebApplication MapOperatorConsole(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi().RequireAuthorization();   // the API's map is for operators, not for whoever probes the host
        app.MapGet("/operators/signin", (HttpContext http, IAntiforgery antiforgery) => Page(http, antiforgery, "signin.html")).AllowAnonymous();
        app.MapPost("/operators/signin", async (HttpContext http, IAntiforgery antiforgery, OperatorSignIn signIn) =>
        {
            var (form, refused) = await ReadFormAsync(http, antiforgery);
            if (form is null)
            {
                return refused!;
            }
            return (await signIn.SignInAsync(http, form["login"].ToString(), form["password"].ToString(), form["code"].ToString())).Outcome switch
            {
                SignInOutcome.SignedIn => Results.Redirect("/operators"),
                SignInOutcome.CodeRequired => Results.Redirect("/operators/signin?code=1"),
                _ => Results.Redirect("/operators/signin?failed=1"),
            };
        }).AllowAnonymous().DisableAntiforgery();   // validated by ReadFormAsync, with the answers a bad body needs
        app.MapPost("/operators/signout", async (HttpContext http, IAntiforgery antiforgery) =>
        {
            if ((await ReadFormAsync(http, antiforgery)).Refused is { } refused)
            {
                return refused;
            }
            await http.SignOutAsync(IdentityConstants.ApplicationScheme);
            http.RequestServices.GetRequiredService<OperatorShift>().Left(http.User.Operator().Id);   // off shift at once
            return Results.Redirect("/operators/signin");
        }).RequireAuthorization().DisableAntiforgery();
        app.MapGet("/operators", (HttpContext http, IAntiforgery antiforgery, BotContent content) =>
            Page(http, antiforgery, "console.html", new Dictionary<string, string> { ["reads"] = ReadsChoices(http, content) })).RequireAuthorization();
        app.MapGet("/operators/supervisor", async (HttpContext http, IAntiforgery antiforgery, TicketStatistics statistics, BotContent content) =>
                Page(http, antiforgery, "supervisor.html", new Dictionary<string, string>
                {
                    ["charts"] = TicketCharts.Page(await statistics.BuildAsync(http.RequestAborted), content.Pack(http)),
                }))
            .RequireAuthorization(SupervisorPolicy);
        return app;
    }

    /// <summary>Identity for the host and the CLI alike: the same password rules and lockout everywhere.</summary>
    public static IdentityBuilder AddOperatorIdentity(this IServiceCollection services, IConfiguration configuration) =>
        services.AddIdentityCore<OperatorUser>(identity =>
            {
                // A long passphrase beats forced character classes: operators remember it through a long shift and
                // do not write it down, and length is what resists guessing (NIST SP 800-63B, 5.1.1).
                identity.Password.RequiredLength = 12;
                identity.Password.RequireDigit = false;
                identity.Password.RequireLowercase = false;
                identity.Password.RequireUppercase = false;
                identity.Password.RequireNonAlphanumeric = false;
                identity.Password.RequiredUniqueChars = 4;
                // Identity's lockout is what `operator disable` sets; wrong passwords lock a login out per address (SignInLimits).
                identity.Lockout.AllowedForNewUsers = true;
                identity.User.AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyz0123456789-._@";
            })
            .AddEntityFrameworkStores<BotDb>()
            .AddTokenProvider<AuthenticatorTokenProvider<OperatorUser>>(TokenOptions.DefaultAuthenticatorProvider);

    /// <summary>
    /// The page in the operator's language: {{t:key}} from operators.yaml, {{lang}}, {{strings}} (every string, as JSON for the
    /// page's script), {{antiforgery}} (a fresh token for its forms and the script's header) and the page's own parts.
    /// </summary>
    private static IResult Page(HttpContext http, IAntiforgery antiforgery, string name, IReadOnlyDictionary<string, string>? parts = null)
    {
        var content = http.RequestServices.GetRequiredService<BotContent>();
        var pack = content.Pack(http);
        var token = antiforgery.GetAndStoreTokens(http).RequestToken!;
        var html = PagePlaceholder().Replace(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Operators", name)), match =>
            match.Groups["key"].Value switch
            {
                "antiforgery" => Html.Encode(token),
                "lang" => pack.Code,
                // Encoded for a <script type="application/json"> block: the serializer escapes <, > and & by default.
                "strings" => JsonSerializer.Serialize(pack.Operators, PageJson),
                // Each language named in its own words, the operator's own selected.
                "languages" => string.Concat(content.ConsoleLanguages.Select(code =>
                    $"<option value=\"{code}\" lang=\"{code}\"{(code == pack.Code ? " selected" : "")}>{Html.Encode(content[code].Operator("language.name"))}</option>")),
                var key when key.StartsWith("t:", StringComparison.Ordinal) => Html.Encode(pack.Operator(key[2..])),
                var key => parts?.GetValueOrDefault(key) ?? match.Value,
            });
        return Results.Content(html, "text/html; charset=utf-8");
    }

    /// <summary>The account's "languages I read": one checkbox per persons' language, in the operator's words, the declared ones ticked.</summary>
    private static string ReadsChoices(HttpContext http, BotContent content)
    {
        var (pack, reads) = (content.Pack(http), OperatorReads.Of(http));
        return string.Concat(content.LanguageCodes.Select(code =>
            $"<label class=\"choice\"><input type=\"checkbox\" name=\"reads\" value=\"{code}\"{(reads.Contains(code) ? " checked" : "")}> "
            + $"{Html.Encode(pack.Operator("person." + code))}</label>"));
    }

    /// <summary>Kazakh and Russian as they are, not as character references; what HTML needs escaped still is.</summary>
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);
    private static readonly JsonSerializerOptions PageJson = new() { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) };

    [GeneratedRegex(@"\{\{(?<key>[a-z:.A-Z0-9-]+)\}\}")]
    private static partial Regex PagePlaceholder();

    /// <summary>
    /// Null for a request with a valid antiforgery token, else the answer: 400 for a missing or wrong token. The check reads
    /// the form when the token is not in the header, and throws (does not answer false) for a form it cannot read: 413 over
    /// the host's limit, 400 for a broken one.
    /// </summary>
    internal static async Task<IResult?> RefuseForgedAsync(HttpContext http, IAntiforgery antiforgery)
    {
        try
        {
            return await antiforgery.IsRequestValidAsync(http) ? null : OperatorLanguage.Problem(http, "error.forged", StatusCodes.Status400BadRequest);
        }
        catch (Exception e) when (e is AntiforgeryValidationException or IOException or InvalidDataException)
        {
            return Unreadable(http, e);
        }
    }

    /// <summary>The form of a request with a valid antiforgery token, or the answer to one without; 415 for a body that is not a form.</summary>
    private static async Task<(IFormCollection? Form, IResult? Refused)> ReadFormAsync(HttpContext http, IAntiforgery antiforgery)
    {
        if (!http.Request.HasFormContentType)
        {
            return (null, Results.Problem("Send the form as application/x-www-form-urlencoded.", statusCode: StatusCodes.Status415UnsupportedMediaType));
        }
        if (await RefuseForgedAsync(http, antiforgery) is { } refused)
        {
            return (null, refused);
        }
        try
        {
            return (await http.Request.ReadFormAsync(http.RequestAborted), null);   // the token was in the header: the form is read here
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            return (null, Unreadable(http, e));
        }
    }

    private static IResult Unreadable(HttpContext http, Exception e) =>
        (e as BadHttpRequestException ?? e.InnerException as BadHttpRequestException)?.StatusCode == StatusCodes.Status413PayloadTooLarge
            ? PublicEndpoints.PayloadTooLarge(http)
            : Results.Problem("The form could not be read.", statusCode: StatusCodes.Status400BadRequest);
}

/// <summary>Role, gender and display name as claims: the console and the API read them, not the database, on each request.</summary>
public sealed class OperatorClaims(UserManager<OperatorUser> users, IOptions<IdentityOptions> options, BotContent content)
    : UserClaimsPrincipalFactory<OperatorUser>(users, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(OperatorUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaims([new Claim(ClaimTypes.Role, user.Role.ToString()), new Claim("gender", user.Gender), new Claim("display", user.DisplayName)]);
        if (content.IsConsoleLanguage(user.Language))
        {
            identity.AddClaim(new Claim(OperatorLanguage.Claim, user.Language!));
        }
        if (user.Reads is { Length: > 0 } reads)
        {
            identity.AddClaim(new Claim(OperatorReads.Claim, reads));
        }
        return identity;
    }
}
