using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Bot.Host.Channels.Telegram;

/// <summary>The "Telegram" settings section. No token: the channel is off.</summary>
public sealed class TelegramOptions
{
    /// <summary>From @BotFather; from an environment variable or user-secrets, never a committed file.</summary>
    public string? BotToken { get; set; }
    /// <summary>Another Bot API server (self-hosted, or a test server on loopback); empty means api.telegram.org.</summary>
    public string? ApiBaseUrl { get; set; }
    /// <summary>The public https URL Telegram posts updates to; empty means long polling.</summary>
    public string? WebhookUrl { get; set; }
    /// <summary>Telegram sends it back in X-Telegram-Bot-Api-Secret-Token; required with a webhook.</summary>
    public string? WebhookSecret { get; set; }
    /// <summary>The operators' group that gets a one-line alert for each escalation (optional).</summary>
    public long? OperatorChatId { get; set; }
    /// <summary>The language of that alert: one of the console's languages (a content folder with an operators.yaml).</summary>
    public string OperatorChatLanguage { get; set; } = "kk";
    /// <summary>Telegram asks for about one message per second in a chat and 30 per second overall.</summary>
    public double PerChatPerSecond { get; set; } = 1;
    public int PerChatBurst { get; set; } = 3;
    public int PerSecond { get; set; } = 30;
    /// <summary>
    /// Per conversation, over the chat's own pace: a conversation over it waits in the outbox (its place in the shared
    /// PerSecond goes to others), so a few flooding accounts cannot starve everyone.
    /// </summary>
    public int PerChatPerMinute { get; set; } = 30;
    /// <summary>
    /// Discreet by default: a locked phone's banner shows nothing (disable_notification), the chat cannot be forwarded or
    /// saved (protect_content), and no link in a message fetches a preview.
    /// </summary>
    public bool DisableNotification { get; set; } = true;
    public bool ProtectContent { get; set; } = true;
    public bool DisableLinkPreviews { get; set; } = true;
    /// <summary>Long-polling wait of getUpdates, in seconds.</summary>
    public int PollingTimeout { get; set; } = 25;

    public bool Enabled => !string.IsNullOrWhiteSpace(BotToken);
    public bool UsesWebhook => !string.IsNullOrWhiteSpace(WebhookUrl);
}

/// <summary>A wrong setting stops start-up with a message naming the key.</summary>
public sealed partial class TelegramOptionsValidator(Bot.Content.BotContent content) : IValidateOptions<TelegramOptions>
{
    public ValidateOptionsResult Validate(string? name, TelegramOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }
        var errors = new List<string>();
        if (!TokenFormat().IsMatch(options.BotToken!))
        {
            errors.Add("Telegram:BotToken must look like 123456:ABC-DEF (the token from @BotFather).");
        }
        if (!string.IsNullOrWhiteSpace(options.ApiBaseUrl) && !IsHttpUrl(options.ApiBaseUrl))
        {
            errors.Add("Telegram:ApiBaseUrl must be an absolute http(s) URL, or empty for api.telegram.org.");
        }
        if (options.UsesWebhook)
        {
            if (!Uri.TryCreate(options.WebhookUrl, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps)
            {
                errors.Add("Telegram:WebhookUrl must be an absolute https URL (Telegram only posts to https).");
            }
            if (string.IsNullOrEmpty(options.WebhookSecret) || !SecretFormat().IsMatch(options.WebhookSecret))
            {
                errors.Add("Telegram:WebhookSecret is required with a webhook: 16 to 256 characters A-Z, a-z, 0-9, _ and -.");
            }
        }
        if (options.PerChatPerSecond <= 0 || options.PerChatBurst < 1 || options.PerSecond < 1 || options.PerChatPerMinute < 1)
        {
            errors.Add("Telegram:PerChatPerSecond, Telegram:PerChatBurst, Telegram:PerChatPerMinute and Telegram:PerSecond must be positive.");
        }
        if (!content.ConsoleLanguages.Contains(options.OperatorChatLanguage))
        {
            errors.Add($"Telegram:OperatorChatLanguage must be a language of the operators' console: {string.Join(", ", content.ConsoleLanguages)}.");
        }
        if (options.PollingTimeout is < 0 or > 50)
        {
            errors.Add("Telegram:PollingTimeout must be 0 to 50 seconds.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);

    [GeneratedRegex("^[0-9]+:[A-Za-z0-9_-]+$")]
    private static partial Regex TokenFormat();

    [GeneratedRegex("^[A-Za-z0-9_-]{16,256}$")]
    private static partial Regex SecretFormat();
}
