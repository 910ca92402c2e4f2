namespace Bot.Host;

/// <summary>The browser's Accept-Language, read whole: the web chat's preselection and the operators' console both choose by it.</summary>
public static class BrowserLanguage
{
    /// <summary>
    /// The first of <paramref name="languages"/> the browser asks for, by its q-values (equal ones in the header's order; q=0 means
    /// "not this one"), so "fr-FR, ru-RU;q=0.9" is Russian; null when it asks for none of them.
    /// </summary>
    public static string? Of(HttpRequest request, IReadOnlyList<string> languages) =>
        request.GetTypedHeaders().AcceptLanguage
            .Where(l => l.Quality is not 0)
            .OrderByDescending(l => l.Quality ?? 1)
            .Select(l => l.Value.Value?.Split('-')[0].ToLowerInvariant())
            .FirstOrDefault(code => code is not null && languages.Contains(code));
}
