using Bot.Content;
using Bot.Dialogs;

namespace Bot.Tests;

/// <summary>The real content/ folder, as shipped beside the binaries.</summary>
public static class TestContent
{
    public static string Path { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "content");

    private static readonly Lazy<BotContent> Loaded = new(() => ContentLoader.Load(Path, UiKeys.Required));

    public static BotContent Content => Loaded.Value;
}
