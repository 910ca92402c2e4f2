namespace Bot.Dialogs;

/// <summary>The words of the UI, in the variant for who is reading: a child, a witness, or the person themself.</summary>
public sealed partial class Conversation
{
    private void Say(string key) => Add(new BotMessage(Text(key), []));

    /// <summary>Every message of the turn carries the language it is in (the web page's lang follows it).</summary>
    private void Add(BotMessage message) => _messages.Add(message with { Language = _state.Language });

    /// <summary>
    /// A child hears simpler words where the content has them (key + ".child"), a witness the witness form; on our own web page a
    /// text may name the page's buttons instead of the commands (key + ".web").
    /// </summary>
    private string Text(string key)
    {
        if (_exitButton && Pack.Ui.ContainsKey(key + ".web"))
        {
            return Pack.Text(key + ".web");
        }
        var variant = _state.Minor && _state.Role != Dialogs.Role.Witness && _state.Age is not null ? key + ".child"
            : _state.Role == Dialogs.Role.Witness ? key + ".witness" : null;
        return variant is not null && Pack.Ui.ContainsKey(variant) ? Pack.Text(variant) : Pack.Text(key);
    }

    internal static string Kebab<T>(T value) where T : Enum =>
        string.Concat(value.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
