using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Identity;

namespace Bot.Host.Operators;

public enum SignInOutcome { SignedIn, Failed, LockedOut, CodeRequired, Throttled, TwoFactorSetupRequired }

/// <param name="RetryAfter">With <see cref="SignInOutcome.Throttled"/>: when the client may try again.</param>
public sealed record SignInResult(SignInOutcome Outcome, TimeSpan? RetryAfter = null);

/// <summary>
/// Password, then the authenticator code when two-factor is on, in one request (form or JSON), within <see cref="SignInLimits"/>.
/// Every wrong password or code counts towards the lockout of that login from that address, and a right password does not
/// reset the count until the code is right too, so knowing the password does not buy unlimited guesses at the code. A code
/// that signed in once is refused the second time, even inside its 30-second window (someone watching the screen).
/// </summary>
public sealed class OperatorSignIn(SignInManager<OperatorUser> signIn, SignInLimits limits, IConfiguration configuration, TimeProvider clock,
    ILogger<OperatorSignIn> log)
{
    /// <summary>The setting that makes two-factor sign-in required of every operator (`operator totp` sets it up).</summary>
    public const string RequireTwoFactor = "Operators:RequireTwoFactor";
    private const string UsedCodeProvider = "bot";
    private const string UsedCodeName = "used-authenticator-code";
    /// <summary>Identity accepts a code a few 30-second steps either side of now; a used code is remembered longer than that.</summary>
    private static readonly TimeSpan CodeReuseWindow = TimeSpan.FromMinutes(3);
    private static readonly SemaphoreSlim CodeCheck = new(1, 1);

    private static readonly OperatorUser Nobody = new() { Gender = "f", DisplayName = "" };
    private static readonly string UnknownLoginHash = new PasswordHasher<OperatorUser>().HashPassword(Nobody, Guid.NewGuid().ToString());

    public async Task<SignInResult> SignInAsync(HttpContext http, string login, string password, string? code)
    {
        var address = http.Connection.RemoteIpAddress;
        login = login.Trim().ToLowerInvariant();
        if (limits.Admit(address, login) is { } wait)
        {
            return new SignInResult(SignInOutcome.Throttled, wait);
        }
        var users = signIn.UserManager;
        var user = login.Length is 0 or > 64 || password.Length is 0 or > 1024 ? null : await users.FindByNameAsync(login);
        if (user is null)
        {
            // The same hashing work as for a real account: an unknown login must not answer measurably faster.
            users.PasswordHasher.VerifyHashedPassword(Nobody, UnknownLoginHash, password);
            return new SignInResult(SignInOutcome.Failed);
        }
        if (await users.IsLockedOutAsync(user))
        {
            log.LogWarning("Sign-in refused for {Login}: disabled", user.UserName);   // `operator disable` sets the lockout
            return new SignInResult(SignInOutcome.LockedOut);
        }
        var twoFactor = await users.GetTwoFactorEnabledAsync(user);
        if (!await users.CheckPasswordAsync(user, password))
        {
            return Failed(address, user);
        }
        if (!twoFactor && configuration.GetValue(RequireTwoFactor, false))
        {
            log.LogWarning("Sign-in refused for {Login}: two-factor sign-in is required and not set up", user.UserName);
            return new SignInResult(SignInOutcome.TwoFactorSetupRequired);
        }
        if (twoFactor)
        {
            if (string.IsNullOrWhiteSpace(code))
            {
                return new SignInResult(SignInOutcome.CodeRequired);
            }
            if (!await UseCodeAsync(users, user, code.Replace(" ", "", StringComparison.Ordinal)))
            {
                return Failed(address, user);
            }
        }
        limits.Succeeded(address, login);
        await signIn.SignInWithClaimsAsync(user, isPersistent: false, [new Claim("amr", twoFactor ? "mfa" : "pwd")]);
        log.LogInformation("Operator {Login} signed in", user.UserName);
        return new SignInResult(SignInOutcome.SignedIn);
    }

    /// <summary>A right code not used before; it is then recorded as used. One check at a time, so two requests cannot both use one code.</summary>
    private async Task<bool> UseCodeAsync(UserManager<OperatorUser> users, OperatorUser user, string code)
    {
        await CodeCheck.WaitAsync();
        try
        {
            var now = clock.GetUtcNow();
            if (await users.GetAuthenticationTokenAsync(user, UsedCodeProvider, UsedCodeName) is { } used
                && used.Split(' ') is [var usedCode, var at] && usedCode == code
                && now - DateTimeOffset.FromUnixTimeSeconds(long.Parse(at, CultureInfo.InvariantCulture)) < CodeReuseWindow)
            {
                log.LogWarning("Operator {Login} sent an authenticator code already used", user.UserName);
                return false;
            }
            if (!await users.VerifyTwoFactorTokenAsync(user, TokenOptions.DefaultAuthenticatorProvider, code))
            {
                return false;
            }
            await users.SetAuthenticationTokenAsync(user, UsedCodeProvider, UsedCodeName,
                string.Create(CultureInfo.InvariantCulture, $"{code} {now.ToUnixTimeSeconds()}"));
            return true;
        }
        finally
        {
            CodeCheck.Release();
        }
    }

    private SignInResult Failed(System.Net.IPAddress? address, OperatorUser user)
    {
        if (limits.Failed(address, user.UserName!))
        {
            log.LogWarning("Operator {Login} locked out from one address after repeated failed sign-ins", user.UserName);
            return new SignInResult(SignInOutcome.LockedOut);
        }
        return new SignInResult(SignInOutcome.Failed);
    }
}
