using System.Collections.Concurrent;
using System.Security.Claims;
using Bot.Host.Storage;

namespace Bot.Host.Operators;

/// <summary>
/// Who is on shift, and which persons' languages they read: an operator counts from their last request to the API (an open
/// console asks at least every 25 s, its long poll) for <see cref="Window"/>, and not at all once they sign out. Kept in
/// memory: a restart forgets nobody for longer than their console's next request. With several hosts, the host an operator's
/// request reaches tells the others (their id, role and languages, at most every <see cref="Retell"/> while nothing changes),
/// so every host counts every operator on shift, whichever host their console talks to.
/// </summary>
public sealed class OperatorShift
{
    /// <summary>The console's long poll (25 s) and its quiet reconnect after a drop (up to 15 s), with room to spare.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(90);
    /// <summary>Well inside <see cref="Window"/>, so a signal lost now and then does not take anyone off shift elsewhere.</summary>
    private static readonly TimeSpan Retell = TimeSpan.FromSeconds(20);
    private const string OnShift = "on-shift";
    private const string OffShift = "off-shift";

    private readonly TimeProvider _clock;
    private readonly HostSignals _signals;
    private readonly ConcurrentDictionary<Guid, Present> _present = new();
    /// <summary>When this host last told the others of each operator, and what.</summary>
    private readonly ConcurrentDictionary<Guid, (string Told, DateTimeOffset At)> _told = new();

    private sealed record Present(OperatorRole Role, IReadOnlyList<string> Reads, DateTimeOffset Seen);

    public OperatorShift(TimeProvider clock, HostSignals signals)
    {
        (_clock, _signals) = (clock, signals);
        signals.On(OnShift, SeenElsewhere, missed: () => { });   // the next retelling comes within Retell
        signals.On(OffShift, LeftElsewhere, missed: () => { });
    }

    public void Seen(OperatorIdentity who, IReadOnlyList<string> reads)
    {
        var now = _clock.GetUtcNow();
        _present[who.Id] = new Present(who.Role, reads, now);
        var told = $"{who.Id:N} {who.Role} {string.Join(',', reads)}";
        if (!_told.TryGetValue(who.Id, out var last) || last.Told != told || now - last.At >= Retell)
        {
            _told[who.Id] = (told, now);
            _signals.RaiseElsewhere(OnShift, told);
        }
    }

    public void Left(Guid id)
    {
        _present.TryRemove(id, out _);
        _told.TryRemove(id, out _);
        _signals.RaiseElsewhere(OffShift, id.ToString("N"));
    }

    /// <summary>Whether someone on shift who may take this ticket reads the person's language.</summary>
    public bool SomeoneReads(Ticket ticket)
    {
        var since = _clock.GetUtcNow() - Window;
        return _present.Values.Any(p => p.Seen >= since && OperatorIdentity.Sees(p.Role, ticket) && p.Reads.Contains(ticket.Language));
    }

    private void LeftElsewhere(string id)
    {
        if (Guid.TryParse(id, out var left))
        {
            _present.TryRemove(left, out _);
        }
    }

    /// <summary>"id role reads" from the host an operator's request reached.</summary>
    private void SeenElsewhere(string told)
    {
        if (told.Split(' ') is [var id, var role, var reads] && Guid.TryParse(id, out var who) && Enum.TryParse<OperatorRole>(role, out var parsed))
        {
            _present[who] = new Present(parsed, OperatorReads.Parse(reads), _clock.GetUtcNow());
        }
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
