using System.Security.Claims;
using Bot.Content;

namespace Bot.Host.Operators;

/// <summary>
/// The language an operator works in: the one kept in their account (the "lang" claim), else the browser's
/// Accept-Language, else Kazakh. Pages, API errors and dates follow it.
/// </summary>
public static class OperatorLanguage
{
    public const string Claim = "lang";

    /// <summary>The keys the host itself reads from operators.yaml (the pages' own keys are checked by a test of the scripts).</summary>
    public static readonly IReadOnlyList<string> RequiredKeys =
    [
        "error.forbidden", "error.conflict", "error.gender", "error.invalid", "error.not-found", "error.nothing-waiting",
        "error.disposition", "error.forged", "error.language", "alert.telegram", "alert.yes", "alert.no",
        .. Dispositions.All.Select(d => "disposition." + d),
        .. Enum.GetNames<TicketStatus>().Select(s => "status." + s),
        "level.None", "level.Some", "level.Strong", "level.Urgent", "team.Hotline", "team.Police",
        "answer.Yes", "answer.No", "answer.NotSure", "answer.Skipped",
        "summary.who", "summary.where", "summary.what",
    ];

    public static string Of(HttpContext http)
    {
        var content = http.RequestServices.GetRequiredService<BotContent>();
        return http.User.FindFirstValue(Claim) is { } chosen && content.IsConsoleLanguage(chosen) ? chosen : FromBrowser(http.Request, content.ConsoleLanguages);
    }

    /// <summary>The first of <paramref name="languages"/> the browser asks for, by its q-values; Kazakh when it asks for none of them.</summary>
    public static string FromBrowser(HttpRequest request, IReadOnlyList<string> languages) => BrowserLanguage.Of(request, languages) ?? BotContent.Original;

    public static LanguagePack Pack(this BotContent content, HttpContext http) => content[Of(http)];

    /// <summary>A problem answer whose detail is in the operator's language.</summary>
    public static IResult Problem(HttpContext http, string key, int status, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(http.RequestServices.GetRequiredService<BotContent>().Pack(http).Operator(key), statusCode: status,
            extensions: extensions);

    /// <summary>A language the console is written in (the person's languages without an operators.yaml are not).</summary>
    internal static bool IsConsoleLanguage(this BotContent content, string? code) => code is not null && content.ConsoleLanguages.Contains(code);
}

/// <summary>Issue 14: how a closed ticket ended; required on close and counted in the statistics.</summary>
public static class Dispositions
{
    public static readonly IReadOnlyList<string> All =
        ["referred-to-provider", "police-report", "information-only", "stopped-answering", "silent-or-test", "abusive"];
}
