using System.Collections.Concurrent;
using System.Net.Http.Json;
using Bot.Dialogs;
using Bot.Host.Channels;
using Bot.Host.Storage;
using Bot.Host.Turns;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Bot.Tests.Host;

/// <summary>The persisted outbox against a channel stand-in on loopback that is down for a while.</summary>
public class OutboxDispatcherTests
{
    /// <summary>A push channel that POSTs each reply to the stand-in; any failure throws, as a real channel's does.</summary>
    private sealed class HttpChannel(HttpClient http) : IChannelSender
    {
        public string Channel => "stand-in";

        public async Task<Func<Bot.Host.Storage.BotDb, Task>?> SendAsync(OutboundMessage message, CancellationToken cancel)
        {
            using var response = await http.PostAsJsonAsync("send", new { message.Address, message.Message.Text, message.Id }, cancel);
            response.EnsureSuccessStatusCode();
            return null;
        }
    }

    /// <summary>The channel's server on loopback, answering POST /send.</summary>
    private static async Task<WebApplication> StandInAsync(Func<HttpRequest, Task<IResult>> send)
    {
        var standIn = WebApplication.CreateSlimBuilder();
        standIn.WebHost.UseUrls("http://127.0.0.1:0");
        var server = standIn.Build();
        server.MapPost("/send", send);
        await server.StartAsync();
        return server;
    }

    /// <summary>A fresh SQLite file, migrated, and the Data Protection that seals addresses.</summary>
    private static async Task<ServiceProvider> StorageAsync()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("outbox-").FullName, "bot.db");
        var services = new ServiceCollection()
            .AddDbContext<BotDb>(db => db.UseSqlite($"Data Source={file}"))
            .AddSingleton<Sealed>()
            .AddDataProtection().Services
            .BuildServiceProvider();
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<BotDb>().Database.MigrateAsync();
        return services;
    }

    private static async Task<(TurnWriter, OutboxDispatcher)> StartDispatcherAsync(ServiceProvider services, HttpClient http, TimeProvider clock,
        StorageOptions? storage = null)
    {
        var scopes = services.GetRequiredService<IServiceScopeFactory>();
        var writer = new TurnWriter(scopes, NullLogger<TurnWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        var dispatcher = new OutboxDispatcher(scopes, writer, [new HttpChannel(http)], services.GetRequiredService<Sealed>(), clock,
            new ConversationLocks(scopes, writer, storage ?? new StorageOptions()), NullLogger<OutboxDispatcher>.Instance);
        await dispatcher.StartAsync(CancellationToken.None);
        return (writer, dispatcher);
    }

    /// <summary>
    /// Two hosts' dispatchers on one PostgreSQL database, both told of every conversation (as each host's turns and sweeps tell
    /// it): each reply reaches the channel once, and each conversation's in order.
    /// </summary>
    [Fact]
    public async Task Two_dispatchers_on_one_postgresql_database_send_each_reply_once_and_in_order()
    {
        var received = new ConcurrentQueue<(string Address, string Text)>();
        await using var server = await StandInAsync(async request =>
        {
            var body = await request.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            await Task.Delay(Random.Shared.Next(0, 5));   // sends overlap, as they do on the wire
            received.Enqueue((body.GetProperty("address").GetString()!, body.GetProperty("text").GetString()!));
            return Results.Ok();
        });
        using var http = new HttpClient { BaseAddress = new Uri(server.Urls.Single() + "/") };
        var storage = TestStorage.Fresh(StorageProvider.PostgreSql);
        await using var services = new ServiceCollection().AddBotDb(storage).AddSingleton<Sealed>().AddDataProtection().Services.BuildServiceProvider();
        await services.MigrateStorageAsync();
        var secrets = services.GetRequiredService<Sealed>();
        var people = Enumerable.Range(0, 20).Select(n => $"p{n}").ToList();
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BotDb>();
            foreach (var person in people)
            {
                db.Addresses.Add(new ChannelAddress { Key = person, Channel = "stand-in", Address = secrets.Seal("chat-" + person), UpdatedAt = DateTime.UtcNow });
            }
            await db.SaveChangesAsync();
        }
        var clock = TimeProvider.System;
        var hosts = new[] { await StartDispatcherAsync(services, http, clock, storage), await StartDispatcherAsync(services, http, clock, storage) };

        // Ten replies each, committed one at a time; both hosts are told of each, the second with the rows, as the turn's host is.
        foreach (var n in Enumerable.Range(1, 10))
        {
            await Task.WhenAll(people.Select(async person =>
            {
                var row = new OutboxMessage
                {
                    ConversationKey = person, Channel = "stand-in", CreatedAt = DateTime.UtcNow,
                    Payload = OutboxMessage.PayloadOf(new BotMessage($"{person}:{n}", []), secrets),
                };
                await hosts[0].Item1.WriteAsync(db => db.Outbox.Add(row));
                hosts[0].Item2.Notify(person);
                hosts[1].Item2.Notify(person, "chat-" + person, [row]);
            }));
        }
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (received.Count < people.Count * 10 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        await Task.Delay(TimeSpan.FromSeconds(3));   // a sweep of either host would send a duplicate now
        foreach (var (writer, dispatcher) in hosts)
        {
            await dispatcher.StopAsync(CancellationToken.None);
            await writer.StopAsync(CancellationToken.None);
        }

        foreach (var person in people)
        {
            Assert.Equal(Enumerable.Range(1, 10).Select(n => $"{person}:{n}"), received.Where(r => r.Address == "chat-" + person).Select(r => r.Text));
        }
        Assert.Equal(people.Count * 10, received.Count);
        await using var check = services.CreateAsyncScope();
        Assert.Equal(0, await check.ServiceProvider.GetRequiredService<BotDb>().Outbox.CountAsync(m => m.DeliveredAt == null));
    }

    [Fact]
    public async Task Replies_queued_while_the_channel_is_down_for_30_seconds_arrive_once_and_in_order()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        var downUntil = clock.GetUtcNow().AddSeconds(30);
        var received = new ConcurrentQueue<(string Address, string Text)>();
        var refused = 0;

        await using var server = await StandInAsync(async request =>
        {
            if (clock.GetUtcNow() < downUntil)
            {
                Interlocked.Increment(ref refused);
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }
            var body = await request.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            received.Enqueue((body.GetProperty("address").GetString()!, body.GetProperty("text").GetString()!));
            return Results.Ok();
        });
        using var http = new HttpClient { BaseAddress = new Uri(server.Urls.Single() + "/") };
        await using var services = await StorageAsync();
        var secrets = services.GetRequiredService<Sealed>();
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BotDb>();
            foreach (var person in new[] { "a", "b" })
            {
                db.Addresses.Add(new ChannelAddress { Key = person, Channel = "stand-in", Address = secrets.Seal("chat-" + person), UpdatedAt = DateTime.UtcNow });
                for (var n = 1; n <= 5; n++)
                {
                    db.Outbox.Add(new OutboxMessage
                    {
                        ConversationKey = person, Channel = "stand-in", CreatedAt = DateTime.UtcNow,
                        Payload = System.Text.Json.JsonSerializer.Serialize(new BotMessage($"{person}{n}", []), ConversationService.Json),
                    });
                }
            }
            await db.SaveChangesAsync();
        }

        var (writer, dispatcher) = await StartDispatcherAsync(services, http, clock);
        dispatcher.Notify("a");
        dispatcher.Notify("b");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        // Fake time moves only once both have been tried while the stand-in is down: a busy machine may take a while to try.
        while (Volatile.Read(ref refused) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
        while (received.Count < 10 && DateTime.UtcNow < deadline)
        {
            clock.Advance(TimeSpan.FromSeconds(1));   // the outage and the backoff pass in fake time
            await Task.Delay(20);
        }
        await Task.Delay(200);   // anything sent twice would arrive now
        await dispatcher.StopAsync(CancellationToken.None);
        await writer.StopAsync(CancellationToken.None);

        Assert.True(refused >= 2, "the stand-in was down when the first replies were tried");
        Assert.Equal(["a1", "a2", "a3", "a4", "a5"], received.Where(r => r.Address == "chat-a").Select(r => r.Text));
        Assert.Equal(["b1", "b2", "b3", "b4", "b5"], received.Where(r => r.Address == "chat-b").Select(r => r.Text));
        await using var check = services.CreateAsyncScope();
        Assert.Equal(0, await check.ServiceProvider.GetRequiredService<BotDb>().Outbox.CountAsync(m => m.DeliveredAt == null));
    }

    [Fact]
    public async Task Replies_handed_over_in_memory_wait_behind_one_that_failed_and_arrive_once_in_order()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        var received = new ConcurrentQueue<string>();
        var refused = 0;

        await using var server = await StandInAsync(async request =>
        {
            if (Interlocked.Increment(ref refused) == 1)
            {
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);   // the first reply fails; the channel is up again at once
            }
            received.Enqueue((await request.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("text").GetString()!);
            return Results.Ok();
        });
        using var http = new HttpClient { BaseAddress = new Uri(server.Urls.Single() + "/") };
        await using var services = await StorageAsync();
        var secrets = services.GetRequiredService<Sealed>();
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BotDb>();
            // What a retry reads when the address handed over with the rows is no longer in memory.
            db.Addresses.Add(new ChannelAddress { Key = "a", Channel = "stand-in", Address = secrets.Seal("chat-a"), UpdatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
        var (writer, dispatcher) = await StartDispatcherAsync(services, http, clock);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!dispatcher.Recovered && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        // As a turn does: commit the rows, then hand them over with the address.
        async Task CommitAndNotifyAsync(params string[] texts)
        {
            var rows = texts.Select(text => new OutboxMessage
            {
                ConversationKey = "a", Channel = "stand-in", CreatedAt = clock.GetUtcNow().UtcDateTime,
                Payload = System.Text.Json.JsonSerializer.Serialize(new BotMessage(text, []), ConversationService.Json),
            }).ToList();
            await writer.WriteAsync(db => db.Outbox.AddRange(rows));
            dispatcher.Notify("a", "chat-a", rows);
        }
        await CommitAndNotifyAsync("a1", "a2");
        while (Volatile.Read(ref refused) == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
        await CommitAndNotifyAsync("a3");   // handed over while a1 waits for its retry (fake time stands still): it must not overtake it
        await CommitAndNotifyAsync("a4");
        while (received.Count < 4 && DateTime.UtcNow < deadline)
        {
            clock.Advance(TimeSpan.FromSeconds(1));   // the outage and the backoff pass in fake time
            await Task.Delay(20);
        }
        await Task.Delay(200);   // anything sent twice would arrive now
        await dispatcher.StopAsync(CancellationToken.None);
        await writer.StopAsync(CancellationToken.None);

        Assert.Equal(["a1", "a2", "a3", "a4"], received);
        await using var check = services.CreateAsyncScope();
        Assert.Equal(0, await check.ServiceProvider.GetRequiredService<BotDb>().Outbox.CountAsync(m => m.DeliveredAt == null));
    }
}
