using System.Globalization;
using System.Text;
using Bot.Content;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Bot.Host.Operators;

/// <param name="Code">The 6-digit authenticator code, for an operator with two-factor sign-in on.</param>
public sealed record SignInRequest(string Login, string Password, string? Code = null);
public sealed record TextRequest(string Text);
public sealed record NoteRequest(string Text, bool PoliceOnly);
public sealed record TransferRequest(string Note);
public sealed record ReferRequest(string To);
/// <param name="Disposition">One of referred-to-provider, police-report, information-only, stopped-answering, silent-or-test, abusive.</param>
public sealed record CloseRequest(string Disposition, string? Outcome = null);
/// <param name="Hours">How long the block lasts, from now (a supervisor only; 24 hours when left out).</param>
public sealed record BlockRequest(string Reason, double? Hours = null);
public sealed record LanguageRequest(string Language);
/// <param name="Languages">The persons' languages the operator reads (codes of content/ folders: kk, ru, en, uz, ky, tg).</param>
public sealed record ReadsRequest(IReadOnlyList<string> Languages);
public sealed record NextView(Guid Id);
/// <param name="Language">The language the console is shown in (kk, ru or en); <paramref name="UtcOffsetHours"/> is local time.</param>
/// <param name="Reads">The persons' languages the operator reads, as declared (until then: the console's language).</param>
public sealed record MeView(Guid Id, string Login, string Role, string Gender, string DisplayName, string Language, IReadOnlyList<string> Reads,
    int UtcOffsetHours);
public sealed record CannedReply(string Key, string Text);
public sealed record AntiforgeryView(string Header, string Token);
/// <summary>Escalations not queued in the last 24 hours because a cap was reached, per cap (<c>Abuse:EscalationsPer…</c>).</summary>
public sealed record RefusedView(int PerClient, int PerConversation);

/// <summary>The JSON API (for a hotline's own CRM, and for the console's page): the same <see cref="TicketService"/> as the console.</summary>
public static class OperatorApi
{
    public static WebApplication MapOperatorApi(this WebApplication app)
    {
        app.MapPost("/api/operator/signin", async Task<Results<NoContent, ProblemHttpResult, UnauthorizedHttpResult>> (
                SignInRequest request, HttpContext http, OperatorSignIn signIn) =>
            await signIn.SignInAsync(http, request.Login ?? "", request.Password ?? "", request.Code) switch
            {
                { Outcome: SignInOutcome.SignedIn } => TypedResults.NoContent(),
                { Outcome: SignInOutcome.CodeRequired } => TypedResults.Problem("Send the 6-digit code from the authenticator app as \"code\".",
                    statusCode: StatusCodes.Status401Unauthorized, extensions: new Dictionary<string, object?> { ["codeRequired"] = true }),
                { Outcome: SignInOutcome.TwoFactorSetupRequired } => TypedResults.Problem(
                    "Two-factor sign-in is required here: ask an administrator to run `operator totp <login>` and add the key to your authenticator app.",
                    statusCode: StatusCodes.Status401Unauthorized, extensions: new Dictionary<string, object?> { ["twoFactorSetupRequired"] = true }),
                { Outcome: SignInOutcome.Throttled, RetryAfter: var wait } => Throttled(http, wait!.Value),
                _ => TypedResults.Unauthorized(),   // a wrong password and a lockout look the same from outside
            })
            .AllowAnonymous().WithTags("Operators");

        var api = app.MapGroup("/api/operator").RequireAuthorization().WithTags("Operators");
        // The cookie is SameSite=Strict already; the token is the second lock on every POST (send it as X-CSRF-TOKEN).
        api.AddEndpointFilter(async (context, next) =>
            await OperatorSetup.RefuseForgedAsync(context.HttpContext, context.HttpContext.RequestServices.GetRequiredService<IAntiforgery>())
                ?? await next(context));
        // Every request of a signed-in operator keeps them on shift (OperatorShift), with the languages they read.
        api.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            http.RequestServices.GetRequiredService<OperatorShift>().Seen(http.User.Operator(), OperatorReads.Of(http));
            return await next(context);
        });
        api.MapGet("/antiforgery", (HttpContext http, IAntiforgery antiforgery) =>
            TypedResults.Ok(new AntiforgeryView(OperatorSetup.AntiforgeryHeader, antiforgery.GetAndStoreTokens(http).RequestToken!)));
        api.MapGet("/me", (HttpContext http, IOptions<TicketOptions> options) =>
        {
            var who = http.User.Operator();
            return TypedResults.Ok(new MeView(who.Id, who.Login, who.Role.ToString(), who.Gender, who.DisplayName, OperatorLanguage.Of(http),
                OperatorReads.Of(http), options.Value.UtcOffsetHours));
        });
        // The operator's language is kept in their account; the sign-in is refreshed so the claim carries it from now on.
        api.MapPost("/me/language", async (LanguageRequest request, HttpContext http, SignInManager<OperatorUser> signIn, BotContent content) =>
        {
            if (!content.IsConsoleLanguage(request.Language))
            {
                return OperatorLanguage.Problem(http, "error.language", StatusCodes.Status400BadRequest);
            }
            return await UpdateAccountAsync(http, signIn, user => user.Language = request.Language);
        });
        // The languages the operator reads are kept in their account, like the console's language.
        api.MapPost("/me/reads", async (ReadsRequest request, HttpContext http, SignInManager<OperatorUser> signIn, BotContent content, OperatorShift shift) =>
        {
            if (OperatorReads.Valid(OperatorReads.Parse(string.Join(',', request.Languages ?? [])), content.LanguageCodes) is not { } reads)
            {
                return OperatorLanguage.Problem(http, "error.invalid", StatusCodes.Status400BadRequest);
            }
            var answer = await UpdateAccountAsync(http, signIn, user => user.Reads = reads);
            shift.Seen(http.User.Operator(), OperatorReads.Parse(reads));   // counted from now, not from the next request
            return answer;
        });
        api.MapGet("/tickets", async (HttpContext http, TicketService tickets) => TypedResults.Ok(await tickets.ListAsync(http.User.Operator(), http.RequestAborted)));
        api.MapGet("/tickets/{id:guid}", async Task<Results<Ok<TicketDetail>, NotFound>> (Guid id, HttpContext http, TicketService tickets, BotContent content) =>
            await tickets.GetAsync(http.User.Operator(), id, content.Pack(http), http.RequestAborted) is { } detail ? TypedResults.Ok(detail) : TypedResults.NotFound());
        api.MapPost("/tickets/next", async (HttpContext http, TicketService tickets) =>
            await tickets.TakeNextAsync(http.User.Operator(), http.RequestAborted) is (TicketOutcome.Done, { } id)
                ? TypedResults.Ok(new NextView(id))
                : OperatorLanguage.Problem(http, "error.nothing-waiting", StatusCodes.Status404NotFound));
        api.MapPost("/tickets/{id:guid}/claim", async (Guid id, bool? overrideGender, HttpContext http, TicketService tickets) =>
            Answer(http, await tickets.ClaimAsync(http.User.Operator(), id, overrideGender == true, http.RequestAborted)));
        api.MapPost("/tickets/{id:guid}/messages", async (Guid id, TextRequest request, HttpContext http, TicketService tickets) =>
            Answer(http, await tickets.SendAsync(http.User.Operator(), id, request.Text ?? "", http.RequestAborted)));
        api.MapPost("/tickets/{id:guid}/notes", async (Guid id, NoteRequest request, HttpContext http, TicketService tickets) =>
            Answer(http, await tickets.NoteAsync(http.User.Operator(), id, request.Text ?? "", request.PoliceOnly, http.RequestAborted)));
        api.MapPost("/tickets/{id:guid}/transfer", async (Guid id, TransferRequest request, HttpContext http, TicketService tickets) =>
            Answer(http, await tickets.TransferAsync(http.User.Operator(), id, request.Note ?? "", http.RequestAborted)));
        api.MapPost("/tickets/{id:guid}/refer", async (Guid id, ReferRequest request, HttpContext http, TicketService tickets) =>
            Answer(http, await tickets.ReferAsync(http.User.Operator(), id, request.To ?? "", http.RequestAborted)));
        api.MapPost("/tickets/{id:guid}/safe-place", async (Guid id, HttpContext http, TicketService tickets) =>
            Answer(http, await tickets.StartSafePlaceClockAsync(http.User.Operator(), id, http.RequestAborted)));
        api.MapPost("/tickets/{id:guid}/block", async (Guid id, BlockRequest request, HttpContext http, TicketService tickets) =>
            Answer(http, await tickets.BlockAsync(http.User.Operator(), id, request.Reason ?? "",
                request.Hours is { } hours ? TimeSpan.FromHours(hours) : null, http.RequestAborted)));
        api.MapPost("/tickets/{id:guid}/unblock", async (Guid id, HttpContext http, TicketService tickets) =>
            Answer(http, await tickets.LiftBlockAsync(http.User.Operator(), id, http.RequestAborted)));
        api.MapPost("/tickets/{id:guid}/end", async (Guid id, HttpContext http, TicketService tickets) =>
            Answer(http, await tickets.EndAsync(http.User.Operator(), id, http.RequestAborted)));
        api.MapPost("/tickets/{id:guid}/close", async (Guid id, CloseRequest request, HttpContext http, TicketService tickets) =>
            Answer(http, await tickets.CloseAsync(http.User.Operator(), id, request.Disposition ?? "", request.Outcome, http.RequestAborted)));
        // Long poll: returns as soon as any ticket changes, so an open console shows a new ticket without reloading.
        api.MapGet("/changes", async (long? seen, HttpContext http, TicketEvents events) =>
            TypedResults.Ok(new { version = await events.WaitAsync(seen ?? -1, TimeSpan.FromSeconds(25), http.RequestAborted) }));
        api.MapGet("/canned/{language}", Results<Ok<List<CannedReply>>, NotFound> (string language, BotContent content) =>
            content.Languages.ContainsKey(language)
                ? TypedResults.Ok(content[language].Ui.Where(p => p.Key.StartsWith("operator.canned.", StringComparison.Ordinal))
                    .OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new CannedReply(p.Key, p.Value)).ToList())
                : TypedResults.NotFound());
        // Escalations the queue's caps turned away (a flood from one address or chat): counted on the board, never silent.
        api.MapGet("/refused", (Turns.EscalationLimits limits) =>
        {
            var (perClient, perConversation) = limits.RefusedLastDay();
            return TypedResults.Ok(new RefusedView(perClient, perConversation));
        });
        var supervisor = api.MapGroup("/statistics").RequireAuthorization(OperatorSetup.SupervisorPolicy);
        supervisor.MapGet("/", async (TicketStatistics statistics, HttpContext http) => TypedResults.Ok(await statistics.BuildAsync(http.RequestAborted)));
        supervisor.MapGet("/csv", async (TicketStatistics statistics, HttpContext http) =>
            TypedResults.File(Encoding.UTF8.GetBytes(TicketStatistics.Csv(await statistics.BuildAsync(http.RequestAborted))), "text/csv", "tickets.csv"));
        return app;
    }

    /// <summary>A change to the operator's own account; the sign-in is refreshed so its claims carry it from the next request.</summary>
    private static async Task<IResult> UpdateAccountAsync(HttpContext http, SignInManager<OperatorUser> signIn, Action<OperatorUser> change)
    {
        var user = await signIn.UserManager.GetUserAsync(http.User);
        if (user is null)
        {
            return TypedResults.Unauthorized();
        }
        change(user);
        await signIn.UserManager.UpdateAsync(user);
        await signIn.RefreshSignInAsync(user);
        return TypedResults.NoContent();
    }

    /// <summary>Too many sign-ins from this address, or this login from it, for now: no password was checked.</summary>
    private static ProblemHttpResult Throttled(HttpContext http, TimeSpan wait)
    {
        http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem("Too many sign-in attempts: wait and try again.", statusCode: StatusCodes.Status429TooManyRequests);
    }

    /// <summary>What an operator action came to, in the operator's language.</summary>
    private static IResult Answer(HttpContext http, TicketOutcome outcome) => outcome switch
    {
        TicketOutcome.Done => TypedResults.NoContent(),
        TicketOutcome.NotFound => OperatorLanguage.Problem(http, "error.not-found", StatusCodes.Status404NotFound),
        TicketOutcome.Forbidden => OperatorLanguage.Problem(http, "error.forbidden", StatusCodes.Status403Forbidden),
        TicketOutcome.Conflict => OperatorLanguage.Problem(http, "error.conflict", StatusCodes.Status409Conflict),
        TicketOutcome.GenderMismatch => OperatorLanguage.Problem(http, "error.gender", StatusCodes.Status409Conflict,
            new Dictionary<string, object?> { ["genderMismatch"] = true }),
        TicketOutcome.NoDisposition => OperatorLanguage.Problem(http, "error.disposition", StatusCodes.Status400BadRequest,
            new Dictionary<string, object?> { ["dispositions"] = Dispositions.All }),
        _ => OperatorLanguage.Problem(http, "error.invalid", StatusCodes.Status400BadRequest),
    };

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
