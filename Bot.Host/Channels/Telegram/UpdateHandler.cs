using System.Globalization;
using Bot.Content;
using Bot.Dialogs;
using Bot.Host.Turns;
using Telegram.Bot;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;

namespace Bot.Host.Channels.Telegram;

/// <summary>
/// Turns one Telegram update into a channel-free <see cref="UserTurn"/>. Webhook and polling both come here;
/// it returns once the turn is committed, so the caller may then acknowledge the update.
/// </summary>
public sealed class UpdateHandler(
    ConversationService conversations, TelegramSender sender, ITelegramBotClient bot, BotContent content,
    ILogger<UpdateHandler> log)
{

    /// <summary>The chat an update belongs to, for ordering; null when the bot ignores it.</summary>
    public static long? ChatOf(Update update) => update switch
    {
        { Message.Chat: { Type: ChatType.Private } chat } => chat.Id,
        { EditedMessage.Chat: { Type: ChatType.Private } chat } => chat.Id,
        { CallbackQuery.Message.Chat: { Type: ChatType.Private } chat } => chat.Id,
        _ => null,
    };

    public Task HandleAsync(Update update, CancellationToken cancel)
    {
        var inboundId = "telegram:" + update.Id.ToString(CultureInfo.InvariantCulture);
        return update switch
        {
            { Message: { Chat.Type: ChatType.Private } message } => OnMessageAsync(message, inboundId, cancel),
            { CallbackQuery: { Message.Chat.Type: ChatType.Private } query } => OnCallbackAsync(query, inboundId, cancel),
            { EditedMessage: { Chat.Type: ChatType.Private } edited } => OnUnsupportedAsync(edited, inboundId, cancel),
            // Groups, channels, inline queries, members joining: the bot works in private chats only.
            _ => Task.CompletedTask,
        };
    }

    private async Task OnMessageAsync(Message message, string inboundId, CancellationToken cancel)
    {
        if (message.Text is not { } text)
        {
            await OnUnsupportedAsync(message, inboundId, cancel);
            return;
        }
        var chatId = message.Chat.Id;
        var key = TelegramSender.KeyOf(chatId);
        _ = sender.BestEffortAsync("sendChatAction", key, () => bot.SendChatAction(chatId, ChatAction.Typing, cancellationToken: cancel));
        var turn = UserTurn.FromTyped(text, message.From?.LanguageCode);
        var result = await conversations.HandleAsync(key, TelegramSender.ChannelName, turn, inboundId, Address(chatId), cancel: cancel);
        await AfterTurnAsync(result, key, chatId, message.MessageId, cancel);
    }

    private async Task OnCallbackAsync(CallbackQuery query, string inboundId, CancellationToken cancel)
    {
        var question = query.Message!;
        var chatId = question.Chat.Id;
        var key = TelegramSender.KeyOf(chatId);
        // Stops the spinner on the button at once, whatever happens next; the turn does not wait for it.
        var answered = sender.BestEffortAsync("answerCallbackQuery", key, () => bot.AnswerCallbackQuery(query.Id, cancellationToken: cancel));
        // The data is whatever the client sent: the engine checks it against the current question.
        var data = query.Data ?? "";
        // From is absent only in a forged update; it is read for the language alone.
        var turn = UserTurn.Pressed(data.Length > 64 ? "" : data, query.From?.LanguageCode);
        TurnResult? result;
        try
        {
            result = await conversations.HandleAsync(key, TelegramSender.ChannelName, turn, inboundId, Address(chatId), cancel: cancel);
        }
        finally
        {
            await answered;   // never throws: best effort
        }
        if (result is null)
        {
            return;
        }
        // A redrawn screen is edited in place with its new ticks by the sender: its keyboard stays.
        if (result.Effect == TurnEffect.None && question is { Date.Year: > 1970 } && result.Messages is not [{ Redraw: true }])   // an inaccessible message has date 0
        {
            await ShowChosenAsync(key, question, data, cancel);
        }
        await AfterTurnAsync(result, key, chatId, userMessageId: null, cancel);
    }

    /// <summary>The question keeps its text plus the chosen answer, without its keyboard: the chat reads as a clean history.</summary>
    private Task ShowChosenAsync(string key, Message question, string data, CancellationToken cancel)
    {
        // The keyboard comes back from the client as it claims it was: rows or buttons may be missing.
        var chosen = question.ReplyMarkup?.InlineKeyboard?.SelectMany(row => row ?? []).FirstOrDefault(b => b?.CallbackData == data);
        return chosen is null || question.Text is null
            ? sender.BestEffortAsync("editMessageReplyMarkup", key,
                () => bot.EditMessageReplyMarkup(question.Chat.Id, question.MessageId, replyMarkup: null, cancellationToken: cancel))
            : sender.BestEffortAsync("editMessageText", key,
                () => bot.EditMessageText(question.Chat.Id, question.MessageId, $"{question.Text}\n\n› {chosen.Text}", replyMarkup: null,
                    linkPreviewOptions: sender.LinkPreview, cancellationToken: cancel));
    }

    private async Task AfterTurnAsync(TurnResult? result, string key, long chatId, int? userMessageId, CancellationToken cancel)
    {
        switch (result?.Effect)
        {
            case null:
                return;   // already handled: a re-delivered update
            case TurnEffect.None when userMessageId is { } id:
                await sender.RememberAsync(key, id, onlyIfAddressed: true, cancel);
                break;
            case TurnEffect.QuickExit or TurnEffect.Forget:
                await sender.ClearChatAsync(key, chatId, userMessageId, result.Messages, forget: result.Effect == TurnEffect.Forget, cancel);
                break;
        }
    }

    /// <summary>
    /// Photos, voice, stickers, files, locations, contacts and edits are not read (they may hold a face, a voice or a place):
    /// one polite line, once per update, in the conversation's language. Nothing of the content is kept.
    /// </summary>
    private async Task OnUnsupportedAsync(Message message, string inboundId, CancellationToken cancel)
    {
        var chatId = message.Chat.Id;
        var key = TelegramSender.KeyOf(chatId);
        var (first, language) = await conversations.RecordUnreadAsync(key, inboundId, cancel);
        if (!first)
        {
            return;
        }
        language ??= content.LanguageOf(message.From?.LanguageCode) ?? BotContent.Original;
        var reply = new BotMessage(content[language].Text("input.unsupported"), []);
        log.LogInformation("Telegram {ConversationKey} sent {Kind}: not read", Pseudonym.Of(key), message.Type);
        await sender.RememberAsync(key, message.MessageId, onlyIfAddressed: true, cancel);
        // Best effort: the update is recorded as handled, so a refused send (a blocked bot) must not make Telegram resend it.
        await sender.BestEffortAsync("sendMessage", key, async () =>
            await sender.RememberAsync(key, await sender.SendDirectAsync(chatId, reply, cancel), onlyIfAddressed: true, cancel));
    }

    /// <summary>A turn that failed for good: say sorry in the person's language; the stored state is as before the update.</summary>
    public async Task ApologiseAsync(Update update, CancellationToken cancel)
    {
        if (ChatOf(update) is not { } chatId)
        {
            return;
        }
        var locale = (update.Message ?? update.EditedMessage)?.From?.LanguageCode ?? update.CallbackQuery?.From?.LanguageCode;
        var language = content.LanguageOf(locale) ?? BotContent.Original;
        await sender.BestEffortAsync("sendMessage", TelegramSender.KeyOf(chatId),
            () => sender.SendDirectAsync(chatId, new BotMessage(content[language].Text("telegram.error"), []), cancel));
    }

    private static string Address(long chatId) => chatId.ToString(CultureInfo.InvariantCulture);
}
