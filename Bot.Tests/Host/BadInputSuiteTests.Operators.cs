using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bot.Tests.Host.Operators;

namespace Bot.Tests.Host;

/// <summary>The operator side: sign-in (JSON and form), the ticket API, the long poll, canned replies, statistics, the pages.</summary>
public partial class BadInputSuiteTests
{
    /// <summary>The cookies a browser holds (session and antiforgery) as one Cookie header, and the request token that goes with them.</summary>
    public sealed record OperatorSession(string Cookies, string Token);

    /// <summary>The traversal and injection ids every ticket route is tried with; none is a GUID, so no route matches.</summary>
    private static readonly string[] NotGuids = ["..%2F..%2Fetc%2Fpasswd", "1%27%20OR%20%271%27%3D%271", "%3Cscript%3E", "not-a-guid", new string('a', 5000)];

    /// <remarks>
    /// JSON sign-in: a body that is not a <c>SignInRequest</c> → 400, other content types → 415, bodies over the host's
    /// 1 MB → 413; anything that parses but names nobody (missing fields, absurd lengths, injection strings) → 401, exactly
    /// like a wrong password. No login is a real one, so nothing here counts towards an account's lockout.
    /// </remarks>
    public static IEnumerable<Case> SignInCases()
    {
        Case Json(string name, byte[] body, HttpStatusCode status, string contentType = "application/json") =>
            new(name, HttpMethod.Post, "api/operator/signin", body, Authorization: null, ContentType: contentType) { Expected = status };
        Case As(string name, object body, HttpStatusCode status) => Json(name, Utf8(JsonSerializer.Serialize(body)), status);
        const string password = "correct horse battery staple";
        yield return Json("malformed json", Utf8("{\"login\":"), HttpStatusCode.BadRequest);
        yield return Json("not json", Utf8("login=" + Typed), HttpStatusCode.BadRequest);
        yield return Json("json null", Utf8("null"), HttpStatusCode.BadRequest);
        yield return Json("json array", Utf8("[\"" + Typed + "\"]"), HttpStatusCode.BadRequest);
        yield return Json("empty body", [], HttpStatusCode.BadRequest);
        yield return As("login is a number", new { login = 5, password }, HttpStatusCode.BadRequest);
        yield return As("login is an array", new { login = new[] { Typed }, password }, HttpStatusCode.BadRequest);
        yield return As("login is an object", new { login = new { name = Typed }, password }, HttpStatusCode.BadRequest);
        yield return As("password is a number", new { login = "nobody", password = 12345678901234 }, HttpStatusCode.BadRequest);
        yield return As("password is true", new { login = "nobody", password = true }, HttpStatusCode.BadRequest);
        yield return As("code is an object", new { login = "nobody", password, code = new { a = 1 } }, HttpStatusCode.BadRequest);
        yield return Json("deep nesting", Utf8("{\"login\":\"x\",\"password\":" + Nested(10_000) + "}"), HttpStatusCode.BadRequest);
        yield return Json("invalid utf-8", InvalidUtf8("{\"login\":\"" + Typed, "\",\"password\":\"" + password + "\"}"), HttpStatusCode.BadRequest);
        yield return As("no fields", new { }, HttpStatusCode.Unauthorized);
        yield return As("no password", new { login = "nobody" + Typed }, HttpStatusCode.Unauthorized);
        yield return As("no login", new { password = Typed }, HttpStatusCode.Unauthorized);
        yield return As("login null", new { login = (string?)null, password }, HttpStatusCode.Unauthorized);
        yield return As("empty login and password", new { login = "", password = "" }, HttpStatusCode.Unauthorized);
        yield return As("login of 10 kB", new { login = Typed + new string('l', 10_000), password }, HttpStatusCode.Unauthorized);
        yield return As("password of 10 kB", new { login = "nobody", password = Typed + new string('p', 10_000) }, HttpStatusCode.Unauthorized);
        yield return As("login of 1 MB", new { login = new string('x', 1_100_000), password }, HttpStatusCode.RequestEntityTooLarge);
        yield return As("password of 1 MB", new { login = "nobody", password = new string('x', 1_100_000) }, HttpStatusCode.RequestEntityTooLarge);
        yield return As("sql injection login", new { login = "admin' OR '1'='1' --" + Typed, password = "' OR '1'='1" }, HttpStatusCode.Unauthorized);
        yield return As("sql injection drop", new { login = "'; DROP TABLE AspNetUsers; --" + Typed, password }, HttpStatusCode.Unauthorized);
        yield return As("html injection login", new { login = "<script>alert(1)</script>" + Typed, password }, HttpStatusCode.Unauthorized);
        yield return As("nul and control characters", new { login = "a\u0000b\u001b[2J\u202e" + Typed, password = "\u0000" }, HttpStatusCode.Unauthorized);
        yield return As("path traversal login", new { login = "../../etc/passwd" + Typed, password }, HttpStatusCode.Unauthorized);
        yield return As("code of 10 kB", new { login = "nobody", password, code = new string('1', 10_000) }, HttpStatusCode.Unauthorized);
        yield return Json("text/plain body", Utf8("{\"login\":\"nobody\",\"password\":\"" + password + "\"}"), HttpStatusCode.UnsupportedMediaType, "text/plain");
        yield return Json("form body", Utf8("login=nobody&password=" + Typed), HttpStatusCode.UnsupportedMediaType, "application/x-www-form-urlencoded");
        yield return Json("unknown content type", Utf8("<login>" + Typed + "</login>"), HttpStatusCode.UnsupportedMediaType, "application/x-made-up");
        yield return new("read the sign-in", HttpMethod.Get, "api/operator/signin", Authorization: null) { Expected = HttpStatusCode.MethodNotAllowed };
    }

    /// <remarks>
    /// The sign-in form: no or a wrong antiforgery token → 400 before the form is read; a valid token with a body that is not
    /// a form → 400/415, an oversized form → 413; a form that names nobody → the page again with "failed" (302), nothing stored.
    /// <paramref name="anonymous"/> is the pair a browser gets with the sign-in page.
    /// </remarks>
    public static IEnumerable<Case> SignInFormCases(OperatorSession anonymous)
    {
        Case Form(string name, string form, HttpStatusCode status, string? cookies = null, string? token = null, string contentType = "application/x-www-form-urlencoded") =>
            FormBytes(name, Utf8(form), status, cookies, token, contentType);
        Case FormBytes(string name, byte[] form, HttpStatusCode status, string? cookies, string? token, string contentType = "application/x-www-form-urlencoded")
        {
            var headers = new Dictionary<string, string>();
            if (cookies is not null)
            {
                headers["Cookie"] = cookies;
            }
            if (token is not null)
            {
                headers["X-CSRF-TOKEN"] = token;
            }
            return new(name, HttpMethod.Post, "operators/signin", form, Authorization: null, ContentType: contentType)
            {
                Expected = status, Headers = headers, Ignored = status == HttpStatusCode.Found,   // "failed": nothing may be stored
            };
        }
        var field = "__RequestVerificationToken=" + Uri.EscapeDataString(anonymous.Token);
        var (cookies, token) = (anonymous.Cookies, anonymous.Token);
        yield return Form("no token, no cookie", "login=nobody&password=" + Typed, HttpStatusCode.BadRequest);
        yield return Form("token without its cookie", field + "&login=nobody&password=" + Typed, HttpStatusCode.BadRequest);
        yield return Form("cookie without a token", "login=nobody&password=" + Typed, HttpStatusCode.BadRequest, cookies);
        yield return Form("forged token", "__RequestVerificationToken=CfDJ8forged&login=nobody&password=" + Typed, HttpStatusCode.BadRequest, cookies);
        yield return Form("token of 10 kB", "__RequestVerificationToken=" + new string('A', 10_000) + "&login=nobody", HttpStatusCode.BadRequest, cookies);
        yield return Form("forged header token", "login=nobody&password=" + Typed, HttpStatusCode.BadRequest, cookies, token: "CfDJ8forged");
        yield return Form("forged cookie", field + "&login=nobody", HttpStatusCode.BadRequest, "operator-antiforgery=CfDJ8forged");
        yield return Form("no fields", field, HttpStatusCode.Found, cookies);
        yield return Form("sql injection login", field + "&login=" + Uri.EscapeDataString("admin' OR '1'='1' --" + Typed) + "&password=x", HttpStatusCode.Found, cookies);
        yield return Form("html injection login", field + "&login=" + Uri.EscapeDataString("<script>alert(1)</script>" + Typed) + "&password=x", HttpStatusCode.Found, cookies);
        yield return Form("login of 10 kB", field + "&login=" + Typed + new string('l', 10_000) + "&password=x", HttpStatusCode.Found, cookies);
        yield return Form("password of 10 kB", field + "&login=nobody&password=" + Typed + new string('p', 10_000), HttpStatusCode.Found, cookies);
        yield return Form("repeated fields", field + "&login=a&login=b&password=x&password=" + Typed, HttpStatusCode.Found, cookies);
        yield return FormBytes("invalid utf-8", InvalidUtf8(field + "&login=nobody" + Typed, "&password=x"), HttpStatusCode.Found, cookies, null);
        yield return Form("broken percent escapes", field + "&login=%ZZ%" + Typed + "&password=%", HttpStatusCode.Found, cookies);
        yield return Form("form of 1 MB", field + "&login=nobody&password=" + new string('x', 1_100_000), HttpStatusCode.RequestEntityTooLarge, cookies);
        yield return Form("form of 1 MB, token in the header", "login=nobody&password=" + new string('x', 1_100_000), HttpStatusCode.RequestEntityTooLarge, cookies, token);
        yield return Form("json body, token in the header", "{\"login\":\"nobody\",\"password\":\"" + Typed + "\"}", HttpStatusCode.UnsupportedMediaType, cookies, token, "application/json");
        yield return Form("text/plain body, token in the header", "login=nobody&password=" + Typed, HttpStatusCode.UnsupportedMediaType, cookies, token, "text/plain");
        yield return Form("no body, token in the header", "", HttpStatusCode.UnsupportedMediaType, cookies, token, "application/x-made-up");
        yield return Form("multipart with a broken boundary", "--b\r\nContent-Disposition: form-data; name=\"login\"\r\n\r\n" + Typed, HttpStatusCode.BadRequest, cookies, token,
            "multipart/form-data; boundary=b");
        yield return Form("sign out without a session", field, HttpStatusCode.Found, cookies) with { Path = "operators/signout" };
        yield return new("console without a session", HttpMethod.Get, "operators", Authorization: null) { Expected = HttpStatusCode.Found };
        yield return new("supervisor page without a session", HttpMethod.Get, "operators/supervisor", Authorization: null) { Expected = HttpStatusCode.Found };
        yield return new("sign-in page with odd query", HttpMethod.Get, "operators/signin?failed=%3Cscript%3E" + Typed + "&code=" + new string('9', 5000), Authorization: null)
        { Expected = HttpStatusCode.OK };
        yield return new("page traversal", HttpMethod.Get, "operators/..%2F..%2Fappsettings.json", Authorization: null) { Expected = HttpStatusCode.NotFound };
        yield return new("page file traversal", HttpMethod.Get, "operators/..%2FOperators%2Fconsole.html", Authorization: null) { Expected = HttpStatusCode.NotFound };
    }

    /// <remarks>
    /// The ticket API, for an operator of the hotline with <paramref name="ticket"/> claimed: no session → 401; a session
    /// without the antiforgery header or with a wrong one → 400; ids that are not GUIDs (traversal, injection) → 404 from the
    /// route, a GUID of no ticket → 404; bodies that are not the request (bad JSON, wrong types, too deep, not UTF-8) → 400,
    /// other content types → 415, over 1 MB → 413; texts empty or over their limit → 400; a second claim → 409.
    /// </remarks>
    public static IEnumerable<Case> TicketCases(OperatorSession session, Guid ticket)
    {
        Case Api(string name, HttpMethod method, string path, byte[]? body, HttpStatusCode status, bool cookies = true, string? token = "",
            string contentType = "application/json")
        {
            var headers = new Dictionary<string, string>();
            if (cookies)
            {
                headers["Cookie"] = session.Cookies;
            }
            if (token is not null)
            {
                headers["X-CSRF-TOKEN"] = token.Length == 0 ? session.Token : token;
            }
            return new(name, method, "api/operator/" + path, body, Authorization: null, ContentType: contentType) { Expected = status, Headers = headers };
        }
        byte[] Body(object body) => Utf8(JsonSerializer.Serialize(body));
        var post = HttpMethod.Post;
        var unknown = Guid.NewGuid();
        // Each endpoint, its field (null: no body) and that field's limit.
        (string Action, string? Field, int Limit)[] endpoints =
        [
            ("claim", null, 0), ("messages", "text", 4000), ("notes", "text", 4000), ("transfer", "note", 4000), ("refer", "to", 200),
            ("safe-place", null, 0), ("end", null, 0), ("close", "disposition", 32), ("block", "reason", 4000),
        ];
        foreach (var (action, field, limit) in endpoints)
        {
            var at = $"tickets/{ticket}/{action}";
            var valid = field is null ? null : Body(new Dictionary<string, object> { [field] = "valid " + Typed });
            yield return Api($"{action}: no session", post, at, valid, HttpStatusCode.Unauthorized, cookies: false, token: null);
            yield return Api($"{action}: no session, a token", post, at, valid, HttpStatusCode.Unauthorized, cookies: false);
            yield return Api($"{action}: no antiforgery header", post, at, valid, HttpStatusCode.BadRequest, token: null);
            yield return Api($"{action}: forged antiforgery header", post, at, valid, HttpStatusCode.BadRequest, token: "CfDJ8forged");
            yield return Api($"{action}: antiforgery header of 10 kB", post, at, valid, HttpStatusCode.BadRequest, token: new string('A', 10_000));
            yield return Api($"{action}: unknown ticket", post, $"tickets/{unknown}/{action}", valid, HttpStatusCode.NotFound);
            yield return Api($"{action}: empty GUID", post, $"tickets/{Guid.Empty}/{action}", valid, HttpStatusCode.NotFound);
            foreach (var id in NotGuids)
            {
                yield return Api($"{action}: id {id[..Math.Min(id.Length, 20)]}", post, $"tickets/{id}/{action}", valid, HttpStatusCode.NotFound);
            }
            if (field is null)
            {
                // No body to bind: the antiforgery check is the first to read one, and looks for its token in a form.
                const string form = "application/x-www-form-urlencoded";
                yield return Api($"{action}: form with a forged token", post, at, Utf8("__RequestVerificationToken=CfDJ8forged"), HttpStatusCode.BadRequest, token: null, contentType: form);
                yield return Api($"{action}: form of 1 MB", post, at, Utf8("a=" + new string('x', 1_100_000)), HttpStatusCode.RequestEntityTooLarge, token: null, contentType: form);
                yield return Api($"{action}: broken multipart", post, at, Utf8("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n" + Typed), HttpStatusCode.BadRequest,
                    token: null, contentType: "multipart/form-data; boundary=b");
                yield return Api($"{action}: json body", post, $"tickets/{unknown}/{action}", Utf8("{\"" + Typed + "\":" + Nested(10_000) + "}"), HttpStatusCode.NotFound);
                continue;
            }
            yield return Api($"{action}: malformed json", post, at, Utf8("{\"" + field + "\":"), HttpStatusCode.BadRequest);
            yield return Api($"{action}: not json", post, at, Utf8(Typed), HttpStatusCode.BadRequest);
            yield return Api($"{action}: json null", post, at, Utf8("null"), HttpStatusCode.BadRequest);
            yield return Api($"{action}: json array", post, at, Utf8("[\"" + Typed + "\"]"), HttpStatusCode.BadRequest);
            yield return Api($"{action}: json string", post, at, Utf8("\"" + Typed + "\""), HttpStatusCode.BadRequest);
            yield return Api($"{action}: empty body", post, at, [], HttpStatusCode.BadRequest);
            yield return Api($"{action}: {field} is a number", post, at, Utf8("{\"" + field + "\":5}"), HttpStatusCode.BadRequest);
            yield return Api($"{action}: {field} is an array", post, at, Utf8("{\"" + field + "\":[\"" + Typed + "\"]}"), HttpStatusCode.BadRequest);
            yield return Api($"{action}: {field} is an object", post, at, Utf8("{\"" + field + "\":{\"a\":\"" + Typed + "\"}}"), HttpStatusCode.BadRequest);
            yield return Api($"{action}: {field} is null", post, at, Utf8("{\"" + field + "\":null}"), HttpStatusCode.BadRequest);
            yield return Api($"{action}: no {field}", post, at, Utf8("{}"), HttpStatusCode.BadRequest);
            yield return Api($"{action}: empty {field}", post, at, Body(new Dictionary<string, object> { [field] = "" }), HttpStatusCode.BadRequest);
            yield return Api($"{action}: blank {field}", post, at, Body(new Dictionary<string, object> { [field] = " \t\r\n " }), HttpStatusCode.BadRequest);
            yield return Api($"{action}: {field} of {limit + 1}", post, at, Body(new Dictionary<string, object> { [field] = Typed + new string('y', limit + 1) }),
                HttpStatusCode.BadRequest);
            yield return Api($"{action}: {field} of 100 kB", post, at, Body(new Dictionary<string, object> { [field] = Typed + new string('y', 100_000) }),
                HttpStatusCode.BadRequest);
            yield return Api($"{action}: 1 MB body", post, at, Body(new Dictionary<string, object> { [field] = new string('x', 1_100_000) }),
                HttpStatusCode.RequestEntityTooLarge);
            yield return Api($"{action}: deep nesting", post, at, Utf8("{\"" + field + "\":\"" + Typed + "\",\"more\":" + Nested(10_000) + "}"), HttpStatusCode.BadRequest);
            yield return Api($"{action}: invalid utf-8", post, at, InvalidUtf8("{\"" + field + "\":\"" + Typed, "\"}"), HttpStatusCode.BadRequest);
            yield return Api($"{action}: text/plain body", post, at, valid, HttpStatusCode.UnsupportedMediaType, contentType: "text/plain");
            yield return Api($"{action}: form body", post, at, Utf8(field + "=" + Typed), HttpStatusCode.UnsupportedMediaType, contentType: "application/x-www-form-urlencoded");
        }
        yield return Api("claim: again", post, $"tickets/{ticket}/claim", null, HttpStatusCode.Conflict);
        foreach (var value in new[] { "notabool", "1", "%3Cscript%3E", new string('t', 5000) })
        {
            yield return Api($"claim: overrideGender={value[..Math.Min(value.Length, 20)]}", post, $"tickets/{unknown}/claim?overrideGender={value}", null, HttpStatusCode.BadRequest);
        }
        yield return Api("notes: policeOnly is a string", post, $"tickets/{ticket}/notes", Utf8("{\"text\":\"" + Typed + "\",\"policeOnly\":\"yes\"}"), HttpStatusCode.BadRequest);
        yield return Api("notes: police-only by a hotline operator", post, $"tickets/{ticket}/notes", Body(new { text = Typed, policeOnly = true }), HttpStatusCode.BadRequest);

        var get = HttpMethod.Get;
        yield return Api("read: no session", get, $"tickets/{ticket}", null, HttpStatusCode.Unauthorized, cookies: false, token: null);
        yield return Api("read: forged session", get, $"tickets/{ticket}", null, HttpStatusCode.Unauthorized, cookies: false, token: null)
            with { Headers = new Dictionary<string, string> { ["Cookie"] = "operator=CfDJ8forged" + Typed } };
        yield return Api("read: unknown ticket", get, $"tickets/{unknown}", null, HttpStatusCode.NotFound);
        foreach (var id in NotGuids)
        {
            yield return Api($"read: id {id[..Math.Min(id.Length, 20)]}", get, $"tickets/{id}", null, HttpStatusCode.NotFound);
        }
        yield return Api("list: no session", get, "tickets", null, HttpStatusCode.Unauthorized, cookies: false, token: null);
        yield return Api("list: with a query", get, "tickets?status=%27%20OR%201%3D1&page=-1", null, HttpStatusCode.OK);
        yield return Api("delete a ticket", HttpMethod.Delete, $"tickets/{ticket}", null, HttpStatusCode.MethodNotAllowed);
        yield return Api("antiforgery: no session", get, "antiforgery", null, HttpStatusCode.Unauthorized, cookies: false, token: null);
        yield return Api("me: no session", get, "me", null, HttpStatusCode.Unauthorized, cookies: false, token: null);
    }

    /// <summary>The long poll, canned replies and statistics (supervisors only), as a hotline operator.</summary>
    public static IEnumerable<Case> OperatorReadCases(OperatorSession session)
    {
        Case Get(string name, string path, HttpStatusCode status, bool cookies = true) =>
            new(name, HttpMethod.Get, "api/operator/" + path, Authorization: null)
            {
                Expected = status, Headers = cookies ? new Dictionary<string, string> { ["Cookie"] = session.Cookies } : new Dictionary<string, string>(),
            };
        foreach (var seen in new[] { "abc", "99999999999999999999999", "1.5", "%00", "%3Cscript%3E", new string('9', 5000) })
        {
            yield return Get($"changes?seen={seen[..Math.Min(seen.Length, 20)]}", "changes?seen=" + seen, HttpStatusCode.BadRequest);
        }
        yield return Get("changes without a session", "changes?seen=1", HttpStatusCode.Unauthorized, cookies: false);
        yield return Get("changes past the version", "changes?seen=-5", HttpStatusCode.OK);   // answers at once: the version is not -5
        foreach (var language in new[] { "..%2F..%2Fetc", "..%2F..%2Fappsettings.json", "%2E%2E", "xx", "EN", "%3Cscript%3E", new string('k', 5000) })
        {
            yield return Get($"canned/{language[..Math.Min(language.Length, 20)]}", "canned/" + language, HttpStatusCode.NotFound);
        }
        yield return Get("canned/en%00", "canned/en%00", HttpStatusCode.BadRequest);   // Kestrel refuses a NUL in a path
        yield return Get("canned without a session", "canned/en", HttpStatusCode.Unauthorized, cookies: false);
        yield return Get("statistics as a hotline operator", "statistics", HttpStatusCode.Forbidden);
        yield return Get("statistics csv as a hotline operator", "statistics/csv", HttpStatusCode.Forbidden);
        yield return Get("statistics without a session", "statistics", HttpStatusCode.Unauthorized, cookies: false);
        yield return Get("supervisor page as a hotline operator", "", HttpStatusCode.Found) with { Path = "operators/supervisor" };   // to the sign-in page
        yield return Get("openapi traversal", "", HttpStatusCode.NotFound) with { Path = "openapi/..%2F..%2Fappsettings.json" };
    }

    [Fact]
    public async Task Operator_sign_in_refuses_bad_bodies_forged_forms_and_absurd_logins_never_a_5xx_and_stores_nothing()
    {
        await RunAsync(shared.Host, "operator sign-in (JSON)", SignInCases());
        await RunAsync(shared.Host, "operator sign-in (form) and pages", SignInFormCases(await SignInPageAsync(shared.Host)));
    }

    [Fact]
    public async Task Operator_ticket_api_refuses_bad_sessions_ids_and_bodies_never_a_5xx_and_html_reaches_the_person_as_text()
    {
        var person = await OperatorHarness.ConsentAsync(shared.Host);
        var session = await OperatorSessionAsync(shared.Host, "badinput-hotline");
        using var client = Client(shared.Host, session);
        var ticket = (await OperatorHarness.WaitForTicketAsync(client)).GetProperty("id").GetGuid();
        using (var claimed = await client.PostAsync($"api/operator/tickets/{ticket}/claim", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, claimed.StatusCode);
        }

        await RunAsync(shared.Host, "operator ticket API", TicketCases(session, ticket));
        await RunAsync(shared.Host, "operator long poll, canned replies, statistics", OperatorReadCases(session));

        // HTML and injection strings are only text: sealed in the database, sent to the person as they were typed, shown back as JSON strings.
        const string html = "<script>alert(1)</script><img src=x onerror=alert(2)> '; DROP TABLE Tickets; -- " + Typed;
        using (var sent = await client.PostAsJsonAsync($"api/operator/tickets/{ticket}/messages", new { text = html }))
        {
            Assert.Equal(HttpStatusCode.NoContent, sent.StatusCode);
        }
        using (var noted = await client.PostAsJsonAsync($"api/operator/tickets/{ticket}/notes", new { text = html, policeOnly = false }))
        {
            Assert.Equal(HttpStatusCode.NoContent, noted.StatusCode);
        }
        await OperatorHarness.ReadUntilAsync(person, text => text == html);
        var detail = await client.GetFromJsonAsync<JsonElement>($"api/operator/tickets/{ticket}");
        Assert.Contains(detail.GetProperty("messages").EnumerateArray(), m => m.GetProperty("text").GetString() == html);
        Assert.Contains(detail.GetProperty("notes").EnumerateArray(), n => n.GetProperty("text").GetString() == html);
        // No requests, only the checks that end every run: nothing of the message or the note in the database files or the log.
        await RunAsync(shared.Host, "operator ticket API, HTML sent and noted", []);
    }

    /// <summary>The antiforgery cookie and the form's token, as a browser has them after opening the sign-in page.</summary>
    private static async Task<OperatorSession> SignInPageAsync(HostProcess host)
    {
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        var html = await browser.GetStringAsync("operators/signin");
        var token = WebUtility.HtmlDecode(Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value);
        Assert.NotEmpty(token);
        return new(cookies.GetCookieHeader(host.BaseAddress), token);
    }

    /// <summary>A new operator account, signed in: its session and antiforgery cookies and the request token.</summary>
    private static async Task<OperatorSession> OperatorSessionAsync(HostProcess host, string login)
    {
        (await OperatorHarness.OperatorAsync(host, login)).Dispose();   // makes the account
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        using (var signIn = await browser.PostAsJsonAsync("api/operator/signin", new { login, password = "correct horse battery staple" }))
        {
            Assert.Equal(HttpStatusCode.NoContent, signIn.StatusCode);
        }
        var antiforgery = await browser.GetFromJsonAsync<JsonElement>("api/operator/antiforgery");
        return new(cookies.GetCookieHeader(host.BaseAddress), antiforgery.GetProperty("token").GetString()!);
    }

    private static HttpClient Client(HostProcess host, OperatorSession session)
    {
        var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("Cookie", session.Cookies);
        client.DefaultRequestHeaders.Add("X-CSRF-TOKEN", session.Token);
        return client;
    }
}
