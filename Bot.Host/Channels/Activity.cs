using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;

namespace Bot.Host.Channels;

/// <summary>The Bot Framework Activity, only the fields this bot reads or writes; unknown fields are ignored.</summary>
public sealed record Activity
{
    public string? Type { get; init; }
    public string? Id { get; init; }
    public DateTimeOffset? Timestamp { get; init; }
    public string? ChannelId { get; init; }
    public string? ServiceUrl { get; init; }
    public ChannelAccount? From { get; init; }
    public ChannelAccount? Recipient { get; init; }
    public ConversationAccount? Conversation { get; init; }
    public string? Text { get; init; }
    public string? Locale { get; init; }
    /// <summary>expectingInput when options are shown (a question waits for its answer), acceptingInput otherwise.</summary>
    public string? InputHint { get; init; }
    /// <summary>A postBack's value: the pressed option's id.</summary>
    public JsonElement? Value { get; init; }
    public string? ReplyToId { get; init; }
    public SuggestedActions? SuggestedActions { get; init; }
    /// <summary>Cards: the button fallback for channels that do not show suggested actions (Teams).</summary>
    public IReadOnlyList<Attachment>? Attachments { get; init; }
    /// <summary>Web Chat's clientActivityID lives here; echoed back, never stored.</summary>
    public JsonElement? ChannelData { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ChannelAccount>? MembersAdded { get; init; }
}

public sealed record ChannelAccount(string? Id, string? Name = null, string? Role = null);

public sealed record ConversationAccount(string? Id);

public sealed record SuggestedActions(IReadOnlyList<CardAction> Actions)
{
    /// <summary>Who sees the actions: the person the reply goes to.</summary>
    public IReadOnlyList<string>? To { get; init; }
}

public sealed record Attachment(string ContentType, HeroCard Content);

public sealed record HeroCard(string? Text, IReadOnlyList<CardAction> Buttons);

public sealed record CardAction(string Type, string Title, string Value)
{
    /// <summary>messageBack: what the client shows (and reads out) as the person's message, instead of the value.</summary>
    public string? DisplayText { get; init; }
}

public static class ActivityJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        MaxDepth = 16,
    };

    /// <summary>An Activity from a part of a body (an upload's activity part), or null when it is not one or is over the limit.</summary>
    public static async Task<Activity?> ReadAsync(Stream part, int maxBytes, CancellationToken cancel)
    {
        var buffer = new byte[maxBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await part.ReadAsync(buffer.AsMemory(length), cancel)) > 0)
        {
            length += read;
        }
        try
        {
            return length > maxBytes ? null : JsonSerializer.Deserialize<Activity>(buffer.AsSpan(0, length), Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>An Activity from a request body within the limit; otherwise the 4xx to answer (413, or 400 for bad JSON).</summary>
    public static async Task<(Activity? Activity, IResult? Error)> ReadAsync(HttpContext http, int maxBodyBytes)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBodyBytes;
        }
        if (http.Request.ContentLength > maxBodyBytes)
        {
            return (null, PublicEndpoints.PayloadTooLarge(http));
        }
        try
        {
            var activity = await JsonSerializer.DeserializeAsync<Activity>(http.Request.Body, Options, http.RequestAborted);
            return activity is null ? (null, TypedResults.BadRequest()) : (activity, null);
        }
        catch (JsonException)
        {
            return (null, TypedResults.BadRequest());
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, PublicEndpoints.PayloadTooLarge(http));
        }
    }
}
