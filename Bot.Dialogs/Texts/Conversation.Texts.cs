namespace Bot.Dialogs;

/// <summary>The words of the UI, in the variant for who is reading: a child, a witness, or the person themself.</summary>
public sealed partial class Conversation
{
    private void Say(string key) => _messages.Add(new BotMessage(Text(key), []));

    /// <summary>A child hears simpler words where the content has them (key + ".child"), a witness the witness form.</summary>
    private string Text(string key)
    {
        var variant = _state.Minor && _state.Role != Dialogs.Role.Witness && _state.Age is not null ? key + ".child"
            : _state.Role == Dialogs.Role.Witness ? key + ".witness" : null;
        return variant is not null && Pack.Ui.ContainsKey(variant) ? Pack.Text(variant) : Pack.Text(key);
    }

    internal static string Kebab<T>(T value) where T : Enum =>
        string.Concat(value.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
