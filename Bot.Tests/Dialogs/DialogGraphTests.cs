using Bot.Dialogs;

namespace Bot.Tests.Dialogs;

public class DialogGraphTests
{
    private const string Begin = "<!-- dialog-graph:begin -->";
    private const string End = "<!-- dialog-graph:end -->";

    /// <summary>The README's picture of the dialog states is the machine's own export. UPDATE_GRAPH=1 rewrites it.</summary>
    [Fact]
    public void The_readme_shows_the_current_dialog_graph()
    {
        var readme = Path.Combine(RepositoryRoot(), "README.md");
        var text = File.ReadAllText(readme);
        var start = text.IndexOf(Begin, StringComparison.Ordinal) + Begin.Length;
        var end = text.IndexOf(End, StringComparison.Ordinal);
        var expected = "\n```mermaid\n" + Conversation.Graph(TestContent.Content).Trim() + "\n```\n";
        if (Environment.GetEnvironmentVariable("UPDATE_GRAPH") == "1")
        {
            File.WriteAllText(readme, text[..start] + expected + text[end..]);
            return;
        }
        Assert.Equal(expected, text[start..end]);
    }

    public static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(folder!.FullName, "Bot.sln")))
        {
            folder = folder.Parent;
        }
        return folder.FullName;
    }
}
