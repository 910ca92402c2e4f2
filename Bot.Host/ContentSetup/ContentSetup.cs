using Bot.Content;
using Bot.Dialogs;
using Bot.Dialogs.Screening;
using Bot.Host.Operators;

namespace Bot.Host.ContentSetup;

public static class BotContentSetup
{
    /// <summary>Content:Path, or the content folder shipped beside the binaries.</summary>
    public static string ContentPath(IConfiguration configuration) =>
        configuration["Content:Path"] is { Length: > 0 } path ? Path.GetFullPath(path) : Path.Combine(AppContext.BaseDirectory, "content");

    /// <summary>Loads and validates content at start-up: a broken file stops the host with file:line.</summary>
    public static IHostApplicationBuilder AddBotContent(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(ContentLoader.Load(ContentPath(builder.Configuration), UiKeys.Required, OperatorLanguage.RequiredKeys));
        return builder;
    }

    /// <summary>
    /// `check-content`: the same validation alone; exit code 0 when valid. With `--coverage` it also prints, per
    /// Appendix 1 section, how many items some path reaches, and fails when an item of a section never is.
    /// </summary>
    public static int CheckContent(IConfiguration configuration, TextWriter output, bool coverage = false)
    {
        var path = ContentPath(configuration);
        var errors = ContentLoader.Check(path, UiKeys.Required, OperatorLanguage.RequiredKeys);
        foreach (var error in errors)
        {
            output.WriteLine(error);
        }
        output.WriteLine(errors.Count == 0 ? $"OK: {path}" : $"{errors.Count} problem(s) in {path}");
        if (errors.Count > 0)
        {
            return 1;
        }
        var content = ContentLoader.Load(path, UiKeys.Required, OperatorLanguage.RequiredKeys);
        foreach (var line in ReviewLines(content))
        {
            output.WriteLine(line);
        }
        if (!coverage)
        {
            return 0;
        }
        var report = Coverage.Report(content);
        output.WriteLine(Coverage.Format(report, content.Plan.Budget));
        return report.All(s => s.Unreachable.Count == 0) ? 0 : 1;
    }

    /// <summary>One line per language: its review state; a warning (not an error) while no native speaker has signed it off.</summary>
    public static IEnumerable<string> ReviewLines(BotContent content) =>
        content.LanguageCodes.Select(code => content[code]).Select(pack => pack.Review.Reviewed
            ? $"{pack.Code}  {pack.Text("language.name")}  reviewed by {pack.Review.By} on {pack.Review.On}"
            : $"warning: {pack.Code}/meta.yaml  {pack.Text("language.name")}  not reviewed by a native speaker"
                + (pack.HasConsole ? "" : " (persons only: the operators' console is not in this language)"));
}
