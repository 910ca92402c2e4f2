using System.Globalization;

namespace Bot.Dialogs;

/// <summary>What the person sent, read: a pressed option, a typed number or label, or a command.</summary>
public sealed partial class Conversation
{
    private static readonly Dictionary<string, Trigger> Commands = new(StringComparer.OrdinalIgnoreCase)
    {
        ["/start"] = Trigger.StartCommand,
        ["/rights"] = Trigger.RightsCommand,
        ["/talk"] = Trigger.TalkCommand,
        ["/language"] = Trigger.LanguageCommand,
    };

    public static readonly IReadOnlyList<string> CommandNames = ["/start", "/help", "/rights", "/talk", "/language", "/exit", "/forget"];

    private async Task<TurnEffect> PressAsync(string option)
    {
        var dot = option.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0 || option[..dot] != _state.Prompt.ToString(CultureInfo.InvariantCulture))
        {
            Say("input.expired");
            return TurnEffect.None;
        }
        var name = option[(dot + 1)..];
        var offered = Offered().FirstOrDefault(o => o.Name == name);
        if (offered is null)
        {
            Say("input.expired");
            return TurnEffect.None;
        }
        await FireOfferedAsync(offered);
        return TurnEffect.None;
    }

    private TurnEffect Unreadable()
    {
        Say("input.unsupported");
        return TurnEffect.None;
    }

    private TurnEffect TooLong()
    {
        Add(new BotMessage(Pack.Text("input.too-long", ("max", UserTurn.MaxTextLength.ToString(CultureInfo.InvariantCulture))), []));
        return TurnEffect.None;
    }

    private async Task<TurnEffect> TypeAsync(string text)
    {
        text = text.Trim();
        if (text.StartsWith('/'))
        {
            return await CommandAsync(text);
        }
        var offered = Offered();
        var number = int.TryParse(text, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= offered.Count ? offered[n - 1] : null;
        var match = number ?? offered.FirstOrDefault(o => string.Equals(o.Label, text, StringComparison.OrdinalIgnoreCase));
        if (match is null && _state.Step == Step.Waiting && !string.IsNullOrWhiteSpace(text))
        {
            KeepForOperator(text);
            return TurnEffect.None;
        }
        if (match is null)
        {
            Say("input.choose");
            return TurnEffect.None;
        }
        await FireOfferedAsync(match);
        return TurnEffect.None;
    }

    private async Task<TurnEffect> CommandAsync(string text)
    {
        var parts = text.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var name = parts[0].Split('@')[0];   // Telegram appends @botname in groups
        switch (name.ToLowerInvariant())
        {
            case "/exit":
                Say("exit.done");
                await _machine.FireAsync(Trigger.Reset);
                return TurnEffect.QuickExit;
            case "/forget":
                Say("forget.done");
                await _machine.FireAsync(Trigger.Reset);
                return TurnEffect.Forget;
            case "/help":
                Say("help.text");
                return TurnEffect.None;
            case "/start" when parts.Length > 1:
                _link = ReadDeepLink(parts[1]);
                await _machine.FireAsync(Trigger.DeepLink);
                return TurnEffect.None;
        }
        if (!Commands.TryGetValue(name, out var trigger))
        {
            Say("input.unknown-command");
            return TurnEffect.None;
        }
        if (_machine.CanFire(trigger))
        {
            await _machine.FireAsync(trigger);
        }
        else
        {
            Say("waiting.still");
        }
        return TurnEffect.None;
    }
}
