using System.Collections.Concurrent;
using System.Security.Claims;

namespace Bot.Host.Operators;

/// <summary>
/// Who is on shift, and which persons' languages they read: an operator counts from their last request to the API (an open
/// console asks at least every 25 s, its long poll) for <see cref="Window"/>, and not at all once they sign out. Kept in
/// memory, per host: a restart forgets nobody for longer than their console's next request, but with several hosts each counts
/// only the operators whose consoles it serves (the README's "not yet with several hosts").
/// </summary>
public sealed class OperatorShift(TimeProvider clock)
{
    /// <summary>The console's long poll (25 s) and its quiet reconnect after a drop (up to 15 s), with room to spare.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(90);

    private readonly ConcurrentDictionary<Guid, (OperatorIdentity Who, IReadOnlyList<string> Reads, DateTimeOffset Seen)> _present = new();

    public void Seen(OperatorIdentity who, IReadOnlyList<string> reads) => _present[who.Id] = (who, reads, clock.GetUtcNow());

    public void Left(Guid id) => _present.TryRemove(id, out _);

    /// <summary>Whether someone on shift who may take this ticket reads the person's language.</summary>
    public bool SomeoneReads(Ticket ticket)
    {
        var since = clock.GetUtcNow() - Window;
        return _present.Values.Any(p => p.Seen >= since && p.Who.Sees(ticket) && p.Reads.Contains(ticket.Language));
    }
}

/// <summary>The persons' languages an operator declared they read (their account's <see cref="OperatorUser.Reads"/>, a claim at sign-in).</summary>
public static class OperatorReads
{
    public const string Claim = "reads";

    /// <summary>
    /// The declared languages; an operator who has declared none counts as reading the language their console is shown in
    /// (someone working in the Russian console reads Russian), never as reading everything.
    /// </summary>
    public static IReadOnlyList<string> Of(HttpContext http) =>
        Parse(http.User.FindFirstValue(Claim)) is { Count: > 0 } declared ? declared : [OperatorLanguage.Of(http)];

    /// <summary>"kk, ru,uz" as a list of codes, each once.</summary>
    public static IReadOnlyList<string> Parse(string? list) =>
        [.. (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(c => c.ToLowerInvariant()).Distinct()];

    /// <summary>The list as stored, or null when it names a language that is not a folder of content/ (or none).</summary>
    public static string? Valid(IReadOnlyList<string> codes, IEnumerable<string> languages) =>
        codes.Count > 0 && codes.All(code => languages.Contains(code)) ? string.Join(',', codes) : null;
}
