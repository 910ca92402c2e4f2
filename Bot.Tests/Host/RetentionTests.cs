using Bot.Host.Operators;
using Bot.Host.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Bot.Tests.Host;

public class RetentionTests
{
    [Theory]
    [MemberData(nameof(TestStorage.Providers), MemberType = typeof(TestStorage))]
    public async Task Conversations_replies_update_ids_and_closed_tickets_past_their_age_are_erased_younger_ones_kept(StorageProvider provider)
    {
        await using var services = new ServiceCollection().AddBotDb(TestStorage.Fresh(provider)).BuildServiceProvider();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        var now = clock.GetUtcNow().UtcDateTime;
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BotDb>();
            await db.Database.MigrateAsync();
            foreach (var (key, age) in new[] { ("old", 31), ("young", 29) })
            {
                var at = now.AddDays(-age);
                db.Conversations.Add(new ConversationRecord { Key = key, Channel = "webchat", State = "{}", UpdatedAt = at });
                db.Addresses.Add(new ChannelAddress { Key = key, Channel = "webchat", Address = "x", UpdatedAt = at });
                db.Outbox.Add(new OutboxMessage { ConversationKey = key, Channel = "webchat", Payload = "{}", CreatedAt = now.AddDays(-1) });
            }
            db.Outbox.Add(new OutboxMessage { ConversationKey = "young", Channel = "webchat", Payload = "{}", CreatedAt = now.AddDays(-8) });
            db.InboundSeen.Add(new InboundSeen { Id = "telegram:1", ReceivedAt = now.AddDays(-8) });
            db.InboundSeen.Add(new InboundSeen { Id = "telegram:2", ReceivedAt = now.AddDays(-6) });
            foreach (var (name, status, closedDaysAgo) in new[] { ("closed-old", TicketStatus.Closed, 91), ("cancelled-old", TicketStatus.Cancelled, 91),
                         ("closed-young", TicketStatus.Closed, 89), ("open-old", TicketStatus.InConversation, (int?)null),
                         ("old", TicketStatus.InConversation, null) })
            {
                var ticket = Ticket(name, status, closedDaysAgo is { } days ? now.AddDays(-days) : null, now.AddDays(-100));
                db.Tickets.Add(ticket);
                db.TicketMessages.Add(new TicketMessage { TicketId = ticket.Id, From = "user", Text = "sealed", At = ticket.CreatedAt });
                db.TicketNotes.Add(new TicketNote { TicketId = ticket.Id, Text = "sealed", At = ticket.CreatedAt });
            }
            await db.SaveChangesAsync();
        }

        var writer = new TurnWriter(services.GetRequiredService<IServiceScopeFactory>(), NullLogger<TurnWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        var retention = new Retention(writer, Microsoft.Extensions.Options.Options.Create(new RetentionOptions()), clock, NullLogger<Retention>.Instance);
        var swept = await retention.SweepAsync(CancellationToken.None);
        await writer.StopAsync(CancellationToken.None);

        Assert.Equal(new Retention.Swept(1, 2, 1, 2, 1), swept);
        await using var check = services.CreateAsyncScope();
        var after = check.ServiceProvider.GetRequiredService<BotDb>();
        Assert.Equal(["young"], await after.Conversations.Select(c => c.Key).ToListAsync());
        Assert.Equal(["young"], await after.Addresses.Select(c => c.Key).ToListAsync());
        Assert.Equal([now.AddDays(-1)], await after.Outbox.Select(m => m.CreatedAt).ToListAsync());
        Assert.Equal(["telegram:2"], await after.InboundSeen.Select(s => s.Id).ToListAsync());
        // Anonymised: the counts stay (the ticket row, its week, form, role, destination), nothing that points at a person.
        var tickets = (await after.Tickets.ToListAsync()).ToDictionary(t => t.Channel);
        Assert.Equal(5, tickets.Count);
        foreach (var anonymised in new[] { "closed-old", "cancelled-old" })
        {
            Assert.Equal(((string?)null, "", (string?)null), (tickets[anonymised].ConversationKey, tickets[anonymised].Summary, tickets[anonymised].Outcome));
        }
        foreach (var young in new[] { "closed-young", "open-old" })
        {
            Assert.Equal((young, "sealed"), (tickets[young].ConversationKey!, tickets[young].Summary));
        }
        // Open, but its conversation was erased: nobody can reach the person, so it is cancelled now and anonymised in its turn.
        var expired = tickets["old"];
        Assert.Equal(((string?)null, TicketStatus.Cancelled, (DateTime?)now, "sealed"), (expired.ConversationKey, expired.Status, expired.ClosedAt, expired.Summary));
        var withContent = await after.TicketMessages.Select(m => m.TicketId).Union(after.TicketNotes.Select(n => n.TicketId)).ToListAsync();
        Assert.Equal(new[] { "closed-young", "open-old", "old" }.Select(name => tickets[name].Id).Order(), withContent.Order());
    }

    private static Ticket Ticket(string key, TicketStatus status, DateTime? closedAt, DateTime createdAt) => new()
    {
        Id = Guid.NewGuid(), ConversationKey = key, Channel = key, Language = "ru", Role = "Self", Level = "Strong", Forms = "labour",
        Gender = "Woman", Destination = "Hotline", ConsentVersion = "v", Summary = "sealed", Status = status, CreatedAt = createdAt,
        ConsentAt = createdAt, QueuedAt = createdAt, FirstResponseDue = createdAt, ReferralDue = createdAt,
        ClosedAt = closedAt, Outcome = closedAt is null ? null : "sealed outcome",
    };
}
