using System.Security.Claims;
using Bot.Host.Storage;
using Bot.Host.Turns;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Bot.Host.Operators;

public static class OperatorSetup
{
    public const string SupervisorPolicy = "supervisor";
    /// <summary>The header the console's script (and an API client signed in with the cookie) sends with every POST.</summary>
    public const string AntiforgeryHeader = "X-CSRF-TOKEN";

    public static IHostApplicationBuilder AddOperatorConsole(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TicketOptions>().BindConfiguration("Tickets").ValidateOnStart();
        builder.Services.AddSingleton<TicketEvents>();
        builder.Services.AddSingleton<TicketService>();
        builder.Services.AddSingleton<ITurnRecorder, TicketRecorder>();
        builder.Services.AddHostedService<NoOperatorWatch>();
        builder.Services.AddSingleton<TicketStatistics>();
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
        app.MapPost("/operators/signin", async (HttpContext http, IAntiforgery antiforgery, SignInManager<OperatorUser> signIn, ILogger<OperatorUser> log) =>
        {
            var (form, refused) = await ReadFormAsync(http, antiforgery);
            if (form is null)
            {
                return refused!;
            }
            return await SignInAsync(signIn, form["login"].ToString(), form["password"].ToString(), form["code"].ToString(), log) switch
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
            return Results.Redirect("/operators/signin");
        }).RequireAuthorization().DisableAntiforgery();
        app.MapGet("/operators", (HttpContext http, IAntiforgery antiforgery) => Page(http, antiforgery, "console.html")).RequireAuthorization();
        app.MapGet("/operators/supervisor", (HttpContext http, IAntiforgery antiforgery) => Page(http, antiforgery, "supervisor.html"))
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
                identity.Lockout.AllowedForNewUsers = true;
                identity.Lockout.MaxFailedAccessAttempts = 5;
                identity.Lockout.DefaultLockoutTimeSpan = configuration.GetValue("Operators:Lockout", TimeSpan.FromMinutes(15));
                identity.User.AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyz0123456789-._@";
            })
            .AddEntityFrameworkStores<BotDb>()
            .AddTokenProvider<AuthenticatorTokenProvider<OperatorUser>>(TokenOptions.DefaultAuthenticatorProvider);

    /// <summary>
    /// Password, then the authenticator code when two-factor is on, in one request (form or JSON). Every wrong password
    /// or code counts towards the lockout, and a right password does not reset the count until the code is right too,
    /// so knowing the password does not buy unlimited guesses at the code.
    /// </summary>
    private static readonly OperatorUser Nobody = new() { Gender = "f", DisplayName = "" };
    private static readonly string UnknownLoginHash = new PasswordHasher<OperatorUser>().HashPassword(Nobody, Guid.NewGuid().ToString());

    public static async Task<SignInOutcome> SignInAsync(SignInManager<OperatorUser> signIn, string login, string password, string? code, ILogger log)
    {
        var users = signIn.UserManager;
        var user = login.Length is 0 or > 64 || password.Length is 0 or > 1024 ? null : await users.FindByNameAsync(login.Trim().ToLowerInvariant());
        if (user is null)
        {
            // The same hashing work as for a real account: an unknown login must not answer measurably faster.
            users.PasswordHasher.VerifyHashedPassword(Nobody, UnknownLoginHash, password);
            return SignInOutcome.Failed;
        }
        if (await users.IsLockedOutAsync(user))
        {
            log.LogWarning("Sign-in refused for {Login}: locked out", user.UserName);
            return SignInOutcome.LockedOut;
        }
        var twoFactor = await users.GetTwoFactorEnabledAsync(user);
        if (!await users.CheckPasswordAsync(user, password))
        {
            return await FailedAsync(users, user, log);
        }
        if (twoFactor)
        {
            if (string.IsNullOrWhiteSpace(code))
            {
                return SignInOutcome.CodeRequired;
            }
            if (!await users.VerifyTwoFactorTokenAsync(user, TokenOptions.DefaultAuthenticatorProvider, code.Replace(" ", "", StringComparison.Ordinal)))
            {
                return await FailedAsync(users, user, log);
            }
        }
        await users.ResetAccessFailedCountAsync(user);
        await signIn.SignInWithClaimsAsync(user, isPersistent: false, [new Claim("amr", twoFactor ? "mfa" : "pwd")]);
        log.LogInformation("Operator {Login} signed in", user.UserName);
        return SignInOutcome.SignedIn;
    }

    private static async Task<SignInOutcome> FailedAsync(UserManager<OperatorUser> users, OperatorUser user, ILogger log)
    {
        await users.AccessFailedAsync(user);
        if (await users.IsLockedOutAsync(user))
        {
            log.LogWarning("Operator {Login} locked out after repeated failed sign-ins", user.UserName);
            return SignInOutcome.LockedOut;
        }
        return SignInOutcome.Failed;
    }

    /// <summary>The page with a fresh antiforgery token in place of {{antiforgery}} (its forms' hidden field, the console script's header).</summary>
    private static IResult Page(HttpContext http, IAntiforgery antiforgery, string name)
    {
        var token = antiforgery.GetAndStoreTokens(http).RequestToken!;
        var html = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Operators", name))
            .Replace("{{antiforgery}}", HtmlEncoder.Default.Encode(token), StringComparison.Ordinal);
        return Results.Content(html, "text/html; charset=utf-8");
    }

    /// <summary>
    /// Null for a request with a valid antiforgery token, else the answer: 400 for a missing or wrong token. The check reads
    /// the form when the token is not in the header, and throws (does not answer false) for a form it cannot read: 413 over
    /// the host's limit, 400 for a broken one.
    /// </summary>
    internal static async Task<IResult?> RefuseForgedAsync(HttpContext http, IAntiforgery antiforgery)
    {
        try
        {
            return await antiforgery.IsRequestValidAsync(http) ? null : Forged();
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

    internal static IResult Forged() =>
        Results.Problem("The antiforgery token is missing or wrong: reload the page and try again.", statusCode: StatusCodes.Status400BadRequest);
}

public enum SignInOutcome { SignedIn, Failed, LockedOut, CodeRequired }

/// <summary>Role, gender and display name as claims: the console and the API read them, not the database, on each request.</summary>
public sealed class OperatorClaims(UserManager<OperatorUser> users, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<OperatorUser>(users, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(OperatorUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaims([new Claim(ClaimTypes.Role, user.Role.ToString()), new Claim("gender", user.Gender), new Claim("display", user.DisplayName)]);
        return identity;
    }
}
