using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bot.Tests.Host.BotFramework;
using Bot.Tests.Host.Telegram;
using Microsoft.Data.Sqlite;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Xunit.Abstractions;

namespace Bot.Tests.Host;

/// <summary>One host with every public endpoint on (web chat, Telegram webhook, /api/messages with token checks), and its stand-ins.</summary>
public sealed class BadInputHost : IAsyncLifetime
{
    public const string TelegramSecret = "bad-input-secret_0123456789";

    public FakeBotApi Telegram { get; private set; } = null!;
    public BotFrameworkStandIn BotFramework { get; private set; } = null!;
    public HostProcess Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Telegram = await FakeBotApi.StartAsync();
        BotFramework = await BotFrameworkStandIn.StartAsync();
        var settings = BotFramework.HostSettings();
        settings["Telegram:BotToken"] = FakeBotApi.Token;
        settings["Telegram:ApiBaseUrl"] = Telegram.Url;
        settings["Telegram:WebhookUrl"] = "https://bot.example.org/telegram/webhook";
        settings["Telegram:WebhookSecret"] = TelegramSecret;
        settings["Telegram:PerChatPerSecond"] = "50";
        settings["Telegram:PerChatBurst"] = "20";
        settings["Telegram:PerChatPerMinute"] = "6000";
        // Hundreds of hostile sign-ins from one address: the answers to their content are under test here, not the limits.
        settings["Operators:SignIn:PerAddressPerMinute"] = "100000";
        settings["Operators:SignIn:FailuresBeforeBackoff"] = "100000";
        settings["Operators:SignIn:FailuresBeforeLockout"] = "100000";
        Host = await HostProcess.StartAsync(settings: settings);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await BotFramework.DisposeAsync();
        await Telegram.DisposeAsync();
    }
}

/// <summary>
/// Hostile and broken requests against every public endpoint: never a 5xx, the host stays up, nothing of a refused
/// (or ignored) request is stored, and nothing anyone typed reaches the database or the log.
/// </summary>
public partial class BadInputSuiteTests(BadInputHost shared, ITestOutputHelper output) : IClassFixture<BadInputHost>
{
    /// <summary>In every typed text, option id and callback data: found in the log or the database, it leaked.</summary>
    private const string Typed = "Qz7typed";

    /// <summary>One request; {id} and {token} are filled with a real web chat conversation's.</summary>
    public sealed record Case(string Name, HttpMethod Method, string Path, byte[]? Body = null, string? Authorization = "Bearer {token}",
        string ContentType = "application/json")
    {
        /// <summary>The status the channel's protocol wants; null: any 4xx, or a 200 with a clear reply.</summary>
        public HttpStatusCode? Expected { get; init; }
        /// <summary>A 200 that must leave every table as it was (something the bot does not read, or a repeat).</summary>
        public bool Ignored { get; init; }
        public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Nested(int depth) => new string('[', depth) + new string(']', depth);

    private static byte[] InvalidUtf8(string before, string after) => [.. Utf8(before), 0xff, 0xfe, 0xc3, .. Utf8(after)];

    public static IEnumerable<Case> WebChatCases()
    {
        const string activities = "v3/directline/conversations/{id}/activities";
        var post = HttpMethod.Post;
        yield return new("malformed json", post, activities, Utf8("{\"type\":"));
        yield return new("not json", post, activities, Utf8("hello"));
        yield return new("json null", post, activities, Utf8("null"));
        yield return new("json array", post, activities, Utf8("[1,2,3]"));
        yield return new("empty body", post, activities, []);
        yield return new("type is a number", post, activities, Utf8("{\"type\":5}"));
        yield return new("text is an object", post, activities, Utf8("{\"type\":\"message\",\"text\":{\"a\":1}}"));
        yield return new("value is true", post, activities, Utf8("{\"type\":\"message\",\"value\":true}"));
        yield return new("deep nesting", post, activities, Utf8("{\"type\":\"message\",\"value\":" + Nested(10_000) + "}"));
        yield return new("invalid utf-8", post, activities, InvalidUtf8("{\"type\":\"message\",\"text\":\"" + Typed, "\"}"));
        yield return new("nul bytes", post, activities, Utf8("{\"type\":\"message\",\"text\":\"a\\u0000b" + Typed + "\"}"));
        yield return new("2 MB body", post, activities, Utf8("{\"type\":\"message\",\"text\":\"" + new string('x', 2_000_000) + "\"}"));
        yield return new("sql injection text", post, activities, Utf8("{\"type\":\"message\",\"text\":\"'; DROP TABLE Conversations; --" + Typed + "\"}"));
        yield return new("html injection text", post, activities, Utf8("{\"type\":\"message\",\"text\":\"<img src=x onerror=alert(1)>" + Typed + "\"}"));
        yield return new("sql injection option", post, activities, Utf8("{\"type\":\"message\",\"value\":\"1.yes' OR '1'='1" + Typed + "\"}"));
        yield return new("huge option id", post, activities, Utf8("{\"type\":\"message\",\"value\":\"" + new string('9', 50_000) + ".yes\"}"));
        yield return new("text/plain body", post, activities, Utf8("{\"type\":\"message\",\"text\":\"1\"}"), ContentType: "text/plain");
        yield return new("no token", post, activities, Utf8("{\"type\":\"message\",\"text\":\"1\"}"), Authorization: null);
        yield return new("basic auth", post, activities, Utf8("{\"type\":\"message\",\"text\":\"1\"}"), Authorization: "Basic YWRtaW46YWRtaW4=");
        yield return new("forged token", post, activities, Utf8("{\"type\":\"message\",\"text\":\"1\"}"), Authorization: "Bearer CfDJ8forged");
        yield return new("token of 10 kB", post, activities, Utf8("{\"type\":\"message\",\"text\":\"1\"}"), Authorization: "Bearer " + new string('A', 10_000));
        foreach (var id in new[] { "..%2F..%2Fetc%2Fpasswd", "%27%20OR%201%3D1%20--", "%00", new string('a', 5000), "%3Cscript%3E" })
        {
            yield return new($"path id {id[..Math.Min(id.Length, 20)]}", post, $"v3/directline/conversations/{id}/activities", Utf8("{\"type\":\"message\",\"text\":\"1\"}"));
            yield return new($"read id {id[..Math.Min(id.Length, 20)]}", HttpMethod.Get, $"v3/directline/conversations/{id}/activities");
        }
        foreach (var watermark in new[] { "-1", "abc", "99999999999999999999999", "1;DROP%20TABLE%20Outbox", "%00" })
        {
            yield return new($"watermark {watermark}", HttpMethod.Get, activities + "?watermark=" + watermark);
        }
        yield return new("refresh without token", post, "v3/directline/tokens/refresh", Authorization: null);
        yield return new("refresh with forged token", post, "v3/directline/tokens/refresh", Authorization: "Bearer forged");
        yield return new("traversal outside the api", HttpMethod.Get, "v3/directline/..%2F..%2Fappsettings.json");
        yield return new("static file traversal", HttpMethod.Get, "..%2Fappsettings.json");
        yield return new("unknown method", HttpMethod.Delete, activities);
    }

    /// <remarks>
    /// Telegram sends an update again after any answer but a 2xx (and gives up after a while; getWebhookInfo shows the error).
    /// So: no or a wrong secret → 401 (not from Telegram, nothing read); a body that is not an update (bad JSON, wrong
    /// types, too deep, not UTF-8) → 400/413, which Telegram never sends and which then shows in getWebhookInfo; a real
    /// update the bot does not read (groups, channels, polls, kinds Telegram adds later) or a repeat → 200 and ignored,
    /// so Telegram does not retry it; odd content in a private chat (stickers, photos, edits, forged callback data,
    /// injection strings, absurd ids) → 200 with a clear reply.
    /// </remarks>
    public static IEnumerable<Case> TelegramCases()
    {
        var chat = 7_100_000L;
        var updateId = 500_000;
        JsonObject Update(string kind, JsonObject content, long? chatId = null, string chatType = "private")
        {
            content["message_id"] ??= 1;
            content["date"] ??= 1_764_000_000;
            content["chat"] ??= new JsonObject { ["id"] = chatId ?? ++chat, ["type"] = chatType };
            content["from"] ??= From(chatId ?? chat);
            return new JsonObject { ["update_id"] = ++updateId, [kind] = content };
        }
        JsonObject Text(string text, long? chatId = null) => Update("message", new JsonObject { ["text"] = text }, chatId);
        JsonObject Callback(string? data, bool withFrom = true, bool withMessage = true)
        {
            var query = new JsonObject { ["id"] = "cb" + updateId, ["chat_instance"] = "1" };
            if (data is not null)
            {
                query["data"] = data;
            }
            if (withFrom)
            {
                query["from"] = From(chat + 1);
            }
            if (withMessage)
            {
                query["message"] = new JsonObject
                {
                    ["message_id"] = 1, ["date"] = 1_764_000_000, ["text"] = "question",
                    ["chat"] = new JsonObject { ["id"] = ++chat, ["type"] = "private" },
                };
            }
            else
            {
                query["inline_message_id"] = "inline-1";
            }
            return new JsonObject { ["update_id"] = ++updateId, ["callback_query"] = query };
        }
        Case Refused(string name, byte[] body, HttpStatusCode status = HttpStatusCode.BadRequest, string? secret = BadInputHost.TelegramSecret) =>
            Webhook(name, body, secret) with { Expected = status };
        Case Answered(string name, JsonObject update) => Webhook(name, Utf8(update.ToJsonString())) with { Expected = HttpStatusCode.OK };
        Case Ignored(string name, JsonObject update) => Answered(name, update) with { Ignored = true };

        var valid = Utf8(Text("/start " + Typed).ToJsonString());
        yield return Refused("no secret", valid, HttpStatusCode.Unauthorized, secret: null);
        yield return Refused("wrong secret", valid, HttpStatusCode.Unauthorized, secret: "bad-input-secret_0123456780");
        yield return Refused("secret in other case", valid, HttpStatusCode.Unauthorized, secret: BadInputHost.TelegramSecret.ToUpperInvariant());
        yield return Refused("secret prefix", valid, HttpStatusCode.Unauthorized, secret: BadInputHost.TelegramSecret[..16]);
        yield return Refused("secret of 10 kB", valid, HttpStatusCode.Unauthorized, secret: new string('a', 10_000));
        yield return Refused("bad json without secret", Utf8("{\"update_id\":"), HttpStatusCode.Unauthorized, secret: null);
        yield return Refused("malformed json", Utf8("{\"update_id\":1,\"message\":{"));
        yield return Refused("not json", Utf8("hello " + Typed));
        yield return Refused("json null", Utf8("null"));
        yield return Refused("json array", Utf8("[1,2,3]"));
        yield return Refused("empty body", []);
        yield return Refused("update_id is a string", Utf8("{\"update_id\":\"abc\",\"message\":" + Text(Typed)["message"]!.ToJsonString() + "}"));
        yield return Refused("message is an array", Utf8("{\"update_id\":900001,\"message\":[1,2]}"));
        yield return Refused("text is an object", Utf8(Update("message", new JsonObject { ["text"] = new JsonObject { ["a"] = Typed } }).ToJsonString()));
        yield return Refused("chat id is a string", Utf8(Text(Typed).ToJsonString().Replace($"\"id\":{chat}", "\"id\":\"x\"", StringComparison.Ordinal)));
        yield return Refused("update_id over int32", Utf8("{\"update_id\":99999999999,\"message\":" + Text(Typed)["message"]!.ToJsonString() + "}"));
        yield return Refused("chat id over int64", Utf8(Text(Typed).ToJsonString().Replace($"\"id\":{chat}", "\"id\":99999999999999999999999", StringComparison.Ordinal)));
        yield return Refused("deep nesting in a message", Utf8("{\"update_id\":900002,\"message\":{\"entities\":" + Nested(10_000) + "}}"));
        yield return Refused("deep nesting as the body", Utf8(Nested(10_000)));
        yield return Refused("invalid utf-8", InvalidUtf8("{\"update_id\":900003,\"message\":{\"message_id\":1,\"date\":1,\"chat\":{\"id\":1,\"type\":\"private\"},\"text\":\"" + Typed, "\"}}"));
        yield return Refused("2 MB body", Utf8(Text(new string('x', 2_000_000)).ToJsonString()), HttpStatusCode.RequestEntityTooLarge);
        yield return Refused("300 kB body", Utf8(Text(new string('x', 300_000)).ToJsonString()), HttpStatusCode.RequestEntityTooLarge);
        yield return Answered("sql injection text", Text("'; DROP TABLE Conversations; --" + Typed));
        yield return Answered("html injection text", Text("<img src=x onerror=alert(1)>" + Typed));
        yield return Answered("path traversal text", Text("../../../etc/passwd" + Typed));
        yield return Answered("control characters", Text("a\u0000b\u001b[2J\u202e" + Typed));
        yield return Answered("text over 4096", Text(Typed + new string('y', 5000)));
        yield return Answered("sql injection callback", Callback("1.yes' OR '1'='1" + Typed));
        yield return Answered("html injection callback", Callback("<script>" + Typed));
        yield return Answered("path traversal callback", Callback("../../" + Typed));
        yield return Answered("callback over 64 bytes", Callback(Typed + new string('9', 100)));
        yield return Answered("callback of 64 letters, 128 bytes", Callback(Typed + new string('ж', 56)));
        yield return Answered("callback without data", Callback(null));
        var noKeyboard = Callback("1.yes");
        noKeyboard["callback_query"]!["message"]!["reply_markup"] = new JsonObject();
        yield return Answered("callback on a question with an empty keyboard", noKeyboard);
        var holes = Callback("1.yes");
        holes["callback_query"]!["message"]!["reply_markup"] = JsonNode.Parse("{\"inline_keyboard\":[null,[null,{\"text\":\"a\"}]]}");
        yield return Answered("callback on a keyboard with holes", holes);
        yield return Answered("callback without from", Callback("1.yes", withFrom: false));
        yield return Ignored("callback of an inline message", Callback("1.yes", withMessage: false));
        yield return Answered("negative chat id", Text("/start", chatId: -5));
        yield return Answered("chat id 0", Text("/start", chatId: 0));
        yield return Answered("chat id int64 max", Text("/start", chatId: long.MaxValue));
        var negative = Text("/start");
        negative["update_id"] = -7;
        yield return Answered("negative update_id", negative);
        var locale = Text("/start");
        locale["message"]!["from"]!["language_code"] = "../../../etc/passwd" + new string('k', 10_000);
        yield return Answered("language code traversal of 10 kB", locale);
        var names = Text("/start");
        names["message"]!["from"]!["first_name"] = "<script>" + Typed;
        names["message"]!["from"]!["username"] = "'; DROP TABLE Escalations; --";
        yield return Answered("injection in the names", names);
        yield return Answered("sticker", Update("message", new JsonObject
        {
            ["sticker"] = new JsonObject { ["file_id"] = Typed, ["file_unique_id"] = "u", ["type"] = "regular", ["width"] = 512, ["height"] = 512, ["is_animated"] = false, ["is_video"] = false },
        }));
        yield return Answered("photo", Update("message", new JsonObject
        {
            ["photo"] = new JsonArray(new JsonObject { ["file_id"] = Typed, ["file_unique_id"] = "u", ["width"] = 90, ["height"] = 90 }),
            ["caption"] = "caption " + Typed,
        }));
        yield return Answered("location", Update("message", new JsonObject { ["location"] = new JsonObject { ["latitude"] = 43.2, ["longitude"] = 76.9 } }));
        yield return Answered("edited message", Update("edited_message", new JsonObject { ["text"] = "edited " + Typed, ["edit_date"] = 1_764_000_001 }));
        var anonymous = Text("/start");
        anonymous["message"]!.AsObject().Remove("from");
        yield return Answered("message without from", anonymous);
        yield return Answered("deep link with an injection payload", Text("/start ' OR 1=1; <script>" + Typed));
        yield return Answered("/forget from a stranger", Text("/forget"));
        yield return Answered("/exit from a stranger", Text("/exit"));
        var repeat = Text("/start");
        yield return Answered("an update", repeat);
        yield return Ignored("the same update again", repeat);
        yield return Ignored("group message", Update("message", new JsonObject { ["text"] = "/start " + Typed }, chatType: "group"));
        yield return Ignored("channel post", Update("channel_post", new JsonObject { ["text"] = Typed }, chatType: "channel"));
        yield return Ignored("unknown update kind", new JsonObject { ["update_id"] = ++updateId, ["brand_new_kind"] = new JsonObject { ["text"] = Typed } });
        yield return Ignored("no update kind", new JsonObject { ["update_id"] = ++updateId });
        yield return Ignored("poll", new JsonObject
        {
            ["update_id"] = ++updateId,
            ["poll"] = new JsonObject { ["id"] = "1", ["question"] = Typed, ["options"] = new JsonArray(), ["total_voter_count"] = 0, ["is_closed"] = false, ["is_anonymous"] = true, ["type"] = "regular", ["allows_multiple_answers"] = false },
        });
        yield return Webhook("read the webhook", []) with { Method = HttpMethod.Get, Body = null, Expected = HttpStatusCode.MethodNotAllowed };
        yield return Webhook("traversal past the webhook", valid) with { Path = "telegram/webhook/..%2F..%2Fappsettings.json", Expected = HttpStatusCode.NotFound };
    }

    private static Case Webhook(string name, byte[] body, string? secret = BadInputHost.TelegramSecret) =>
        new(name, HttpMethod.Post, "telegram/webhook", body, Authorization: null)
        {
            Headers = secret is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["X-Telegram-Bot-Api-Secret-Token"] = secret },
        };

    private static JsonObject From(long id) => new() { ["id"] = id, ["is_bot"] = false, ["first_name"] = "Aigerim", ["language_code"] = "en" };

    /// <remarks>
    /// The Bot Framework SDKs answer a refused token 401 (403 for a key not endorsed for the channel) and 200 to any
    /// activity they do not handle; Azure Bot Service treats other answers as failures. So: bad or missing tokens
    /// → 401/403, bodies that are not an activity → 400/413, activity types the bot does not read or repeats → 200
    /// and ignored, odd content from a valid sender → 200 with a reply.
    /// </remarks>
    public static IEnumerable<Case> BotFrameworkCases(HostProcess host, BotFrameworkStandIn standIn)
    {
        var token = standIn.Token();
        Dictionary<string, object?> Activity(string type = "message", object? extra = null, string? serviceUrl = null, string channelId = "test") =>
            new BotFrameworkTests.Channel(host, standIn, channelId).Activity(type, extra, serviceUrl);
        Case Post(string name, object body, HttpStatusCode status, string? bearer = "") =>
            Raw(name, Utf8(body as string ?? JsonSerializer.Serialize(body)), status, bearer);
        Case Raw(string name, byte[] body, HttpStatusCode status, string? bearer = "") =>
            new Case(name, HttpMethod.Post, "api/messages", body, bearer is null ? null : "Bearer " + (bearer.Length == 0 ? token : bearer)) { Expected = status };
        var hello = Activity(extra: new { text = "/start " + Typed });

        // Tokens: refused before anything is read.
        yield return Post("no token", hello, HttpStatusCode.Unauthorized, bearer: null);
        yield return Post("basic auth", hello, HttpStatusCode.Unauthorized) with { Authorization = "Basic YWRtaW46YWRtaW4=" };
        yield return Post("garbage token", hello, HttpStatusCode.Unauthorized, bearer: "not.a.token");
        yield return Post("token of 10 kB", hello, HttpStatusCode.Unauthorized, bearer: new string('A', 10_000));
        yield return Post("expired token", hello, HttpStatusCode.Unauthorized, bearer: standIn.Token(expires: DateTime.UtcNow.AddMinutes(-6)));
        yield return Post("wrong audience", hello, HttpStatusCode.Unauthorized, bearer: standIn.Token(audience: "someone-else"));
        yield return Post("wrong issuer", hello, HttpStatusCode.Unauthorized, bearer: standIn.Token(issuer: "https://evil.example"));
        yield return Post("unknown signing key", hello, HttpStatusCode.Unauthorized, bearer: standIn.Token(signing: BotFrameworkStandIn.Signing.Unpublished));
        yield return Post("unsigned token (alg none)", hello, HttpStatusCode.Unauthorized, bearer: Unsigned(standIn.ServiceUrl));
        yield return Post("key endorsed for no channel", hello, HttpStatusCode.Forbidden, bearer: standIn.Token(signing: BotFrameworkStandIn.Signing.Unendorsed));
        yield return Post("channel the key is not endorsed for", Activity(extra: new { text = Typed }, channelId: "slack"), HttpStatusCode.Forbidden);
        yield return Post("serviceUrl the token does not name", Activity(extra: new { text = Typed }, serviceUrl: "https://attacker.example/"), HttpStatusCode.Unauthorized);
        yield return Post("serviceUrl file:// the token does not name", Activity(extra: new { text = Typed }, serviceUrl: "file:///etc/passwd"), HttpStatusCode.Unauthorized);
        yield return Post("no token, bad json", "{\"type\":", HttpStatusCode.Unauthorized, bearer: null);
        // A token that vouches for an address no reply can go to: only Microsoft could sign one, still refused.
        yield return Post("signed serviceUrl file://", Activity(extra: new { text = Typed }, serviceUrl: "file:///etc/passwd"), HttpStatusCode.BadRequest,
            bearer: standIn.Token(serviceUrl: "file:///etc/passwd"));
        yield return Post("signed serviceUrl gopher://", Activity(extra: new { text = Typed }, serviceUrl: "gopher://127.0.0.1:25/"), HttpStatusCode.BadRequest,
            bearer: standIn.Token(serviceUrl: "gopher://127.0.0.1:25/"));

        // Bodies that are not an activity.
        yield return Post("malformed json", "{\"type\":\"message\",\"text\":", HttpStatusCode.BadRequest);
        yield return Post("not json", "hello " + Typed, HttpStatusCode.BadRequest);
        yield return Post("json null", "null", HttpStatusCode.BadRequest);
        yield return Post("json array", "[1,2,3]", HttpStatusCode.BadRequest);
        yield return Raw("empty body", [], HttpStatusCode.BadRequest);
        yield return Post("type is a number", With(Activity(), "type", 5), HttpStatusCode.BadRequest);
        yield return Post("text is an object", With(Activity(), "text", new { a = Typed }), HttpStatusCode.BadRequest);
        yield return Post("from is a string", With(Activity(extra: new { text = Typed }), "from", "user-1"), HttpStatusCode.BadRequest);
        yield return Post("conversation is an array", With(Activity(extra: new { text = Typed }), "conversation", new[] { 1, 2 }), HttpStatusCode.BadRequest);
        yield return Post("membersAdded is an object", With(Activity("conversationUpdate"), "membersAdded", new { id = "user-1" }), HttpStatusCode.BadRequest);
        yield return Post("timestamp is not a date", With(Activity(extra: new { text = Typed }), "timestamp", "yesterday"), HttpStatusCode.BadRequest);
        yield return Post("deep nesting", JsonSerializer.Serialize(Activity()).TrimEnd('}') + ",\"value\":" + Nested(10_000) + "}", HttpStatusCode.BadRequest);
        yield return Raw("invalid utf-8", InvalidUtf8(JsonSerializer.Serialize(Activity()).TrimEnd('}') + ",\"text\":\"" + Typed, "\"}"), HttpStatusCode.BadRequest);
        yield return Post("300 kB body", Activity(extra: new { text = new string('x', 300_000) }), HttpStatusCode.RequestEntityTooLarge);
        yield return Post("2 MB body", Activity(extra: new { text = new string('x', 2_000_000) }), HttpStatusCode.RequestEntityTooLarge);
        yield return Post("conversation id of 10 kB", Activity(extra: new { text = Typed, conversation = new { id = new string('c', 10_000) } }), HttpStatusCode.BadRequest);
        yield return Post("activity id of 10 kB", Activity(extra: new { text = Typed, id = new string('i', 10_000) }), HttpStatusCode.BadRequest);
        yield return Post("user id of 10 kB", Activity(extra: new { text = Typed, from = new { id = new string('u', 10_000) } }), HttpStatusCode.BadRequest);

        // Activities the bot does not read: 200, nothing stored.
        foreach (var type in new[] { "somethingNew", "typing", "event", "invoke", "endOfConversation", "messageReaction" })
        {
            yield return Post($"activity type {type}", Activity(type, new { text = Typed, value = Typed }), HttpStatusCode.OK) with { Ignored = true };
        }
        yield return Post("only the bot joins", Activity("conversationUpdate", new { membersAdded = new[] { new { id = "bot-1" } } }), HttpStatusCode.OK) with { Ignored = true };
        yield return Post("message without a conversation", With(Activity(extra: new { text = Typed }), "conversation", null), HttpStatusCode.OK) with { Ignored = true };
        yield return Post("message without from", With(Activity(extra: new { text = Typed }), "from", null), HttpStatusCode.OK) with { Ignored = true };
        yield return Post("channel id with path traversal", Activity(extra: new { text = Typed }, channelId: "../../test"), HttpStatusCode.Forbidden);
        var once = Activity(extra: new { text = "/start" });
        yield return Post("a message", once, HttpStatusCode.OK);
        yield return Post("the same message again", once, HttpStatusCode.OK) with { Ignored = true };

        // Odd content from a valid sender: a reply, nothing of it stored.
        yield return Post("sql injection text", Activity(extra: new { text = "'; DROP TABLE Conversations; --" + Typed }), HttpStatusCode.OK);
        yield return Post("html injection text", Activity(extra: new { text = "<img src=x onerror=alert(1)>" + Typed }), HttpStatusCode.OK);
        yield return Post("sql injection option", Activity(extra: new { value = "1.yes' OR '1'='1" + Typed }), HttpStatusCode.OK);
        yield return Post("huge option id", Activity(extra: new { value = new string('9', 50_000) + ".yes" }), HttpStatusCode.OK);
        yield return Post("value is an object", Activity(extra: new { value = new { option = Typed } }), HttpStatusCode.OK);
        yield return Post("control characters", Activity(extra: new { text = "a\u0000b\u001b[2J\u202e" + Typed }), HttpStatusCode.OK);
        yield return Post("text over 4096", Activity(extra: new { text = Typed + new string('y', 5000) }), HttpStatusCode.OK);
        yield return Post("conversation id with path traversal", Activity(extra: new { text = "/start", conversation = new { id = "../../../v3/conversations/other?x=" + Typed } }), HttpStatusCode.OK);
        yield return Post("10,000 members join", Activity("conversationUpdate", new { membersAdded = Enumerable.Range(0, 10_000).Select(i => new { id = "user-" + i }) }), HttpStatusCode.OK);
        yield return Post("/forget in a new conversation", Activity(extra: new { text = "/forget", conversation = new { id = "forget-" + Guid.NewGuid().ToString("N") } }), HttpStatusCode.OK);
        yield return Post("locale traversal of 10 kB", Activity(extra: new { text = "/start", locale = "../../etc/passwd" + new string('k', 10_000) }), HttpStatusCode.OK);
    }

    /// <summary>In Emulator mode the endpoint answers the Emulator on this machine only, at a serviceUrl whose path stays a path.</summary>
    public static IEnumerable<Case> EmulatorCases(HostProcess host, BotFrameworkStandIn standIn)
    {
        Case Post(string name, object body, HttpStatusCode status, bool ignored = false) =>
            new(name, HttpMethod.Post, "api/messages", Utf8(body as string ?? JsonSerializer.Serialize(body)), Authorization: null) { Expected = status, Ignored = ignored };
        Dictionary<string, object?> Activity(string? serviceUrl, object? extra = null) =>
            new BotFrameworkTests.Channel(host, standIn).Activity("message", extra ?? new { text = "/start " + Typed }, serviceUrl);
        foreach (var serviceUrl in new[] { "https://attacker.example/", "file:///etc/passwd", "gopher://127.0.0.1:25/", "http://127.0.0.1.attacker.example/", "not a url", "",
            "http://127.0.0.1:9/pwn?", "http://127.0.0.1:9/pwn#", "http://user:secret@127.0.0.1:9/" })
        {
            yield return Post($"serviceUrl {serviceUrl}", Activity(serviceUrl), HttpStatusCode.BadRequest);
        }
        yield return Post("no serviceUrl", With(Activity(null), "serviceUrl", null), HttpStatusCode.BadRequest);
        yield return Post("malformed json", "{\"type\":", HttpStatusCode.BadRequest);
        yield return Post("deep nesting", Nested(10_000), HttpStatusCode.BadRequest);
        yield return new("invalid utf-8", HttpMethod.Post, "api/messages", InvalidUtf8("{\"type\":\"message\",\"text\":\"" + Typed, "\"}"), Authorization: null)
        { Expected = HttpStatusCode.BadRequest };
        yield return Post("2 MB body", Activity(null, new { text = new string('x', 2_000_000) }), HttpStatusCode.RequestEntityTooLarge);
        yield return Post("conversation id of 10 kB", Activity(null, new { text = Typed, conversation = new { id = new string('c', 10_000) } }), HttpStatusCode.BadRequest);
        yield return Post("unknown activity type", With(Activity(null), "type", "somethingNew"), HttpStatusCode.OK, ignored: true);
        yield return Post("conversation id with path traversal", Activity(null, new { text = "/start", conversation = new { id = "../../" + Typed } }), HttpStatusCode.OK);
        yield return Post("sql injection text", Activity(null, new { text = "'; DROP TABLE Conversations; --" + Typed }), HttpStatusCode.OK);
    }

    private static Dictionary<string, object?> With(Dictionary<string, object?> activity, string field, object? value)
    {
        activity[field] = value;
        return activity;
    }

    private static string Unsigned(string serviceUrl) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = BotFrameworkStandIn.Issuer,
        Audience = BotFrameworkStandIn.AppId,
        Expires = DateTime.UtcNow.AddMinutes(30),
        Claims = new Dictionary<string, object> { ["serviceurl"] = serviceUrl },
    });

    [Fact]
    public async Task Web_chat_bad_requests_get_a_4xx_or_a_clear_reply_never_a_5xx_and_store_nothing_of_themselves()
    {
        var chat = new WebChatClient(shared.Host.Http);
        await chat.StartAsync();
        await RunAsync(shared.Host, "web chat", WebChatCases(),
            path => path.Replace("{id}", chat.ConversationId, StringComparison.Ordinal),
            authorization => authorization.Replace("{token}", chat.Token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Telegram_webhook_refuses_what_is_not_from_telegram_or_not_an_update_and_answers_odd_updates_never_a_5xx()
    {
        await RunAsync(shared.Host, "Telegram webhook", TelegramCases());
    }

    [Fact]
    public async Task A_sticker_whose_polite_answer_telegram_refuses_is_still_acknowledged_so_it_is_not_resent()
    {
        const long chatId = 7_700_001;
        var update = new JsonObject
        {
            ["update_id"] = 7_700_001,
            ["message"] = new JsonObject
            {
                ["message_id"] = 1, ["date"] = 1_764_000_000,
                ["chat"] = new JsonObject { ["id"] = chatId, ["type"] = "private" },
                ["from"] = new JsonObject { ["id"] = chatId, ["is_bot"] = false, ["first_name"] = "x" },
                ["sticker"] = new JsonObject { ["file_id"] = "s", ["file_unique_id"] = "u", ["type"] = "regular", ["width"] = 512, ["height"] = 512, ["is_animated"] = false, ["is_video"] = false },
            },
        };
        shared.Telegram.Refused.Add("sendMessage");   // as for a person who blocked the bot
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "telegram/webhook") { Content = JsonContent.Create(update) };
            request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", BadInputHost.TelegramSecret);
            using var response = await shared.Host.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains(shared.Telegram.Calls("sendMessage"), call => !call.Ok && (long)call.Body["chat_id"]! == chatId);   // tried, and refused
        }
        finally
        {
            shared.Telegram.Refused.Remove("sendMessage");
        }
    }

    [Fact]
    public async Task Bot_Framework_refuses_bad_tokens_and_bodies_ignores_unknown_activities_and_answers_odd_ones_never_a_5xx()
    {
        await RunAsync(shared.Host, "/api/messages", BotFrameworkCases(shared.Host, shared.BotFramework));
        // A reply to a conversation id with path traversal still goes to the Connector's own conversation route.
        Assert.All(shared.BotFramework.Posted, p => Assert.StartsWith("/connector/v3/conversations/", p.Path, StringComparison.Ordinal));
        Assert.DoesNotContain(shared.BotFramework.Posted, p => p.Path.Contains("/other", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bot_Framework_in_emulator_mode_answers_only_loopback_service_urls_never_a_5xx()
    {
        await using var standIn = await BotFrameworkStandIn.StartAsync();
        await using var host = await HostProcess.StartAsync(settings: standIn.HostSettings(withAppId: false));
        await RunAsync(host, "/api/messages (Emulator mode)", EmulatorCases(host, standIn));
    }

    /// <summary>Sends every case on a fresh connection and checks: no 5xx, the wanted status, rows unchanged when refused or ignored.</summary>
    private async Task RunAsync(HostProcess host, string endpoint, IEnumerable<Case> cases, Func<string, string>? fillPath = null,
        Func<string, string>? fillAuthorization = null)
    {
        var failures = new List<string>();
        var statuses = new List<HttpStatusCode>();
        var ignored = 0;
        var logStart = host.Output.Length;
        Case? previous = null;
        foreach (var bad in cases)
        {
            var before = await RowCountsAsync(host, previous);
            previous = bad;
            using var request = new HttpRequestMessage(bad.Method, fillPath?.Invoke(bad.Path) ?? bad.Path);
            if (bad.Body is not null)
            {
                request.Content = new ByteArrayContent(bad.Body);
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(bad.ContentType);   // with parameters (a multipart boundary)
                // The host answers an oversized body 413 before reading it and closes the connection; with 100-continue
                // the client waits for that answer instead of writing into a closed socket.
                request.Headers.ExpectContinue = bad.Body.Length > 64 * 1024;
            }
            if (bad.Authorization is { } authorization)
            {
                request.Headers.TryAddWithoutValidation("Authorization", fillAuthorization?.Invoke(authorization) ?? authorization);
            }
            foreach (var (name, value) in bad.Headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
            // A fresh connection each: Kestrel may close one whose body it refused. Redirects are answers too (the operator
            // pages' "sign in again"); cookies are the case's own Cookie header.
            using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false })
            {
                BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30),
            };
            using var response = await http.SendAsync(request);
            var status = response.StatusCode;
            statuses.Add(status);
            if ((int)status >= 500)
            {
                failures.Add($"{bad.Name}: {(int)status}");
            }
            else if (bad.Expected is { } expected && status != expected)
            {
                failures.Add($"{bad.Name}: {(int)status}, wanted {(int)expected}");
            }
            if (status == HttpStatusCode.RequestEntityTooLarge && response.Headers.ConnectionClose != true)
            {
                failures.Add($"{bad.Name}: 413 without Connection: close (the unread body spoils the connection's next request)");
            }
            if ((int)status >= 400 || bad.Ignored)
            {
                ignored += (int)status < 400 ? 1 : 0;
                var after = await RowCountsAsync(host, bad);
                if (!after.SequenceEqual(before))
                {
                    failures.Add($"{bad.Name}: stored something ({Describe(before)} → {Describe(after)})");
                }
            }
        }
        using (var fresh = new HttpClient { BaseAddress = host.BaseAddress })
        {
            Assert.True((await fresh.GetAsync("health")).IsSuccessStatusCode, "the host is still up");
        }
        await QuietAsync(host);   // every reply delivered: nothing below is still on its way
        var stored = string.Concat(Directory.GetFiles(host.DataPath, "bot.db*").Select(f => Encoding.UTF8.GetString(ReadShared(f))));
        foreach (var marker in new[] { Typed, "DROP TABLE", "onerror", "xxxxxxxxxx", "99999999999", "passwd", "<script>" })
        {
            if (stored.Contains(marker, StringComparison.Ordinal))
            {
                failures.Add($"the database holds \"{marker}\"");
            }
        }
        if (host.Output.Contains(Typed, StringComparison.Ordinal))
        {
            failures.Add("the log holds typed text");
        }
        // A refused request is routine: an error in the log means an exception escaped somewhere.
        failures.AddRange(host.Output[logStart..].Split('\n').Where(line => line.Contains(" ERR] ", StringComparison.Ordinal)
            || line.Contains(" FTL] ", StringComparison.Ordinal)).Select(line => "logged: " + line.Trim()));
        output.WriteLine($"{endpoint}: {statuses.Count} bad requests: " +
            string.Join(", ", statuses.GroupBy(s => (int)s).OrderBy(g => g.Key).Select(g => $"{g.Count()} × {g.Key}")) +
            $" ({ignored} of the 2xx/3xx ignored, nothing stored)");
        failures.ForEach(output.WriteLine);   // all of them: the assertion's message shows the first five
        Assert.Empty(failures);
    }

    private static byte[] ReadShared(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        file.CopyTo(copy);
        return copy.ToArray();
    }

    private static string Describe(SortedDictionary<string, long> counts) => string.Join(" ", counts.Select(c => $"{c.Key}={c.Value}"));

    /// <summary>Rows per table, once every reply of earlier requests is delivered (delivery records Telegram message ids).</summary>
    private static async Task<SortedDictionary<string, long>> RowCountsAsync(HostProcess host, Case? previous = null)
    {
        await QuietAsync(host, previous);
        await using var db = Open(host);
        var tables = new List<string>();
        await using (var list = db.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            await using var count = db.CreateCommand();
#pragma warning disable CA2100 // table names come from sqlite_master, not from input
            count.CommandText = $"SELECT COUNT(*) FROM \"{table}\"";
#pragma warning restore CA2100
            counts[table] = (long)(await count.ExecuteScalarAsync())!;
        }
        return counts;
    }

    private static async Task QuietAsync(HostProcess host, Case? previous = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            await using (var db = Open(host))
            {
                await using var pending = db.CreateCommand();
                pending.CommandText = "SELECT COUNT(*) FROM Outbox WHERE DeliveredAt IS NULL AND Channel IN ('telegram', 'botframework')";
                if ((long)(await pending.ExecuteScalarAsync())! == 0)
                {
                    return;
                }
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Replies were still undelivered 20 s after \"{previous?.Name}\"");
            }
            await Task.Delay(20);
        }
    }

    private static SqliteConnection Open(HostProcess host)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(host.DataPath, "bot.db"), Pooling = false }.ToString());
        db.Open();
        return db;
    }
}
