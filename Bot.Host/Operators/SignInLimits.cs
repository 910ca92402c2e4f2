using System.Collections.Concurrent;
using System.Net;

namespace Bot.Host.Operators;

public sealed class SignInLimitOptions
{
    /// <summary>Sign-in attempts one client address may make in a minute, right or wrong; beyond it no password is even hashed.</summary>
    public int PerAddressPerMinute { get; set; } = 30;
    /// <summary>Wrong passwords or codes for one login from one address before that pair is locked out.</summary>
    public int FailuresBeforeLockout { get; set; } = 5;
    /// <summary>After this many failures of a login from one address, each next attempt waits longer (1 s, 2 s, 4 s…).</summary>
    public int FailuresBeforeBackoff { get; set; } = 3;
}

/// <summary>
/// Limits on guessing operators' passwords, kept in memory. Per client address: a fixed number of attempts a minute, refused
/// before any hashing, so a flood costs the host almost nothing. Per login and address: backoff after a few failures, then a
/// lockout. The lockout is keyed by login and address together: a flood at an operator's login from one address cannot lock
/// the operator out from their own.
/// </summary>
public sealed class SignInLimits(Microsoft.Extensions.Options.IOptions<SignInLimitOptions> options, IConfiguration configuration, TimeProvider clock)
{
    private const int MaxEntries = 100_000;   // beyond it the oldest knowledge is dropped rather than memory grown
    private readonly TimeSpan _lockout = configuration.GetValue("Operators:Lockout", TimeSpan.FromMinutes(15));
    private readonly ConcurrentDictionary<string, (DateTimeOffset Window, int Count)> _addresses = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset NotBefore)> _pairs = new(StringComparer.Ordinal);

    /// <summary>
    /// Null when the attempt may go ahead, else how long the client must wait. An attempt let through counts as a failure until
    /// <see cref="Succeeded"/> says otherwise: attempts sent in parallel cannot get more guesses than the lockout allows.
    /// </summary>
    public TimeSpan? Admit(IPAddress? address, string login)
    {
        var now = clock.GetUtcNow();
        var client = ClientAddress.Of(address);
        Trim(now);
        var (window, count) = _addresses.AddOrUpdate(client, _ => (now, 1),
            (_, seen) => now - seen.Window >= TimeSpan.FromMinutes(1) ? (now, 1) : (seen.Window, seen.Count + 1));
        if (count > options.Value.PerAddressPerMinute)
        {
            return window + TimeSpan.FromMinutes(1) - now;
        }
        var key = Pair(client, login);
        lock (_pairs)
        {
            var seen = _pairs.TryGetValue(key, out var pair) ? pair : (Failures: 0, NotBefore: now);
            if (seen.NotBefore > now)
            {
                return seen.NotBefore - now;
            }
            var (failures, limits) = (seen.Failures + 1, options.Value);
            var locked = failures >= limits.FailuresBeforeLockout;
            var wait = locked ? _lockout
                : failures > limits.FailuresBeforeBackoff ? TimeSpan.FromSeconds(Math.Pow(2, failures - limits.FailuresBeforeBackoff - 1)) : TimeSpan.Zero;
            _pairs[key] = (locked ? 0 : failures, now + wait);
            return null;
        }
    }

    /// <returns>True when the failed attempt was the one that locked the login out from this address.</returns>
    public bool Failed(IPAddress? address, string login) =>
        _pairs.TryGetValue(Pair(ClientAddress.Of(address), login), out var pair) && pair.Failures == 0 && pair.NotBefore > clock.GetUtcNow();

    public void Succeeded(IPAddress? address, string login)
    {
        lock (_pairs)
        {
            _pairs.TryRemove(Pair(ClientAddress.Of(address), login), out _);
        }
    }

    private static string Pair(string client, string login) => client + " " + login.Trim().ToLowerInvariant();

    private void Trim(DateTimeOffset now)
    {
        if (_addresses.Count > MaxEntries)
        {
            foreach (var old in _addresses.Where(a => now - a.Value.Window >= TimeSpan.FromMinutes(1)))
            {
                _addresses.TryRemove(old.Key, out _);
            }
        }
        if (_pairs.Count > MaxEntries)
        {
            foreach (var old in _pairs.Where(p => p.Value.NotBefore <= now))
            {
                _pairs.TryRemove(old.Key, out _);
            }
        }
    }
}
