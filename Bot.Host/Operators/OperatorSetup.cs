using System.Security.Claims;
using Bot.Host.Storage;
using Bot.Host.Turns;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Bot.Host.Operators;

public static class OperatorSetup
{
    public const string SupervisorPolicy = "supervisor";

    public static IHostApplicationBuilder AddOperatorConsole(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TicketOptions>().BindConfiguration("Tickets").ValidateOnStart();
        builder.Services.AddSingleton<TicketEvents>();
        builder.Services.AddSingleton<TicketService>();
        builder.Services.AddSingleton<ITurnRecorder, TicketRecorder>();
        builder.Services.AddHostedService<NoOperatorWatch>();
        builder.Services.AddSingleton<OperatorSignIn>();
        builder.Services.AddSingleton<TicketStatistics>();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(cookie =>
        {
            cookie.Cookie.Name = "operator";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;   // the API's POSTs cannot be forged from another site
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = TimeSpan.FromHours(10);   // one shift
            cookie.SlidingExpiration = true;
            cookie.LoginPath = "/operators/signin";
            cookie.Events.OnRedirectToLogin = context => Deny(context, StatusCodes.Status401Unauthorized);
            cookie.Events.OnRedirectToAccessDenied = context => Deny(context, StatusCodes.Status403Forbidden);
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
        app.MapOpenApi();
        app.MapGet("/operators/signin", () => Page("signin.html")).AllowAnonymous();
        app.MapPost("/operators/signin", async (HttpContext http, OperatorSignIn signIn) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var ok = await signIn.SignInAsync(http, form["login"].ToString(), form["password"].ToString());
            return ok ? Results.Redirect("/operators") : Results.Redirect("/operators/signin?failed=1");
        }).AllowAnonymous().DisableAntiforgery();
        app.MapPost("/operators/signout", async (HttpContext http) =>
        {
            await http.SignOutAsync();
            return Results.Redirect("/operators/signin");
        }).RequireAuthorization();
        app.MapGet("/operators", () => Page("console.html")).RequireAuthorization();
        app.MapGet("/operators/supervisor", () => Page("supervisor.html")).RequireAuthorization(SupervisorPolicy);
        return app;
    }

    private static IResult Page(string name) =>
        Results.Content(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Operators", name)), "text/html; charset=utf-8");
}

/// <summary>Password sign-in with lockout: five wrong passwords lock the account for fifteen minutes.</summary>
public sealed class OperatorSignIn(IServiceScopeFactory scopes, TimeProvider clock, ILogger<OperatorSignIn> log)
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan Lockout = TimeSpan.FromMinutes(15);
    internal static readonly PasswordHasher<OperatorAccount> Hasher = new();

    public async Task<bool> SignInAsync(HttpContext http, string login, string password)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BotDb>();
        var now = clock.GetUtcNow().UtcDateTime;
        var normalized = login.Trim().ToLowerInvariant();
        var account = await db.OperatorAccounts.FirstOrDefaultAsync(o => o.Login == normalized, http.RequestAborted);
        if (account is null || password.Length == 0)
        {
            return false;
        }
        if (account.LockedUntil > now)
        {
            log.LogWarning("Sign-in refused for {Login}: locked out", account.Login);
            return false;
        }
        if (Hasher.VerifyHashedPassword(account, account.PasswordHash, password) == PasswordVerificationResult.Failed)
        {
            account.FailedSignIns++;
            if (account.FailedSignIns >= MaxFailures)
            {
                (account.LockedUntil, account.FailedSignIns) = (now + Lockout, 0);
                log.LogWarning("Operator {Login} locked out after {Failures} wrong passwords", account.Login, MaxFailures);
            }
            await db.SaveChangesAsync(http.RequestAborted);
            return false;
        }
        (account.FailedSignIns, account.LockedUntil) = (0, null);
        await db.SaveChangesAsync(http.RequestAborted);
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, account.Id.ToString()), new Claim(ClaimTypes.Name, account.Login),
            new Claim(ClaimTypes.Role, account.Role.ToString()), new Claim("gender", account.Gender), new Claim("display", account.DisplayName),
        ], CookieAuthenticationDefaults.AuthenticationScheme);
        await http.SignInAsync(new ClaimsPrincipal(identity));
        log.LogInformation("Operator {Login} signed in", account.Login);
        return true;
    }
}
