using Bot.Content;
using Bot.Dialogs;

namespace Bot.Tests.Dialogs;

/// <summary>One scripted exchange per path of the mission map.</summary>
public class ConversationPathTests
{
    [Fact]
    public async Task Adult_self_referral_with_labour_signs_is_escalated_after_consent()
    {
        var chat = new Chat();
        await chat.Intake("self", "adult");
        await chat.AnswerScreening(choice => chat.OptionFor(choice, Form.Labour), _ => "yes");

        Assert.Equal(Step.Result, chat.State.Step);
        Assert.Contains("trafficking indicators", chat.Prompt.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("you are a victim", chat.Prompt.Text, StringComparison.OrdinalIgnoreCase);
        await chat.Press("talk");
        await chat.Press("woman");
        await chat.Press("hotline");
        Assert.Null(chat.Last.Escalation);   // nothing leaves before consent (clause 7)
        await chat.Press("agree");

        var escalation = chat.Last.Escalation!;
        Assert.Equal(Step.Waiting, chat.State.Step);
        Assert.Contains(Form.Labour, escalation.Forms);
        Assert.Equal(Level.Strong, escalation.Level);
        Assert.False(escalation.Minor);
        Assert.Equal(Gender.Woman, escalation.Gender);
        Assert.Equal(Destination.Hotline, escalation.Destination);
        Assert.Equal(chat.Clock.GetUtcNow(), escalation.ConsentAt);
        Assert.StartsWith("en-", escalation.ConsentVersion, StringComparison.Ordinal);
        Assert.All(escalation.Summary.Items, a => Assert.Matches("^appendix-1/(who|where|what)/[a-z-]+/[0-9]+$", a.Cite));
        Assert.Contains(escalation.Summary.Items, a => a.Section == "what/labour" && a.Part == Part.What);
    }

    [Fact]
    public async Task Witness_report_goes_to_the_police()
    {
        var chat = new Chat("ru");
        await chat.Intake("witness", "adult");
        Assert.Equal(chat.Pack.Text("age.ask.witness"), chat.Turns[^3].Messages[^1].Text);
        var question = chat.State.Question!;
        await chat.AnswerScreening(choice => chat.OptionFor(choice, Form.Crime), _ => "yes");
        await chat.Press("talk");
        await chat.Press("no-preference");
        await chat.Press("police");
        await chat.Press("agree");

        var escalation = chat.Last.Escalation!;
        Assert.Equal(Role.Witness, escalation.Role);
        Assert.Equal(Destination.Police, escalation.Destination);
        Assert.Equal("ru", escalation.Language);
        Assert.NotNull(question);
    }

    [Fact]
    public async Task Witness_is_asked_about_the_person_not_about_themself()
    {
        var chat = new Chat();
        await chat.Intake("witness", "adult");
        Assert.EndsWith(chat.Pack.Choices["who"].Witness, chat.Prompt.Text, StringComparison.Ordinal);
        while (!chat.Pack.Indicators.ContainsKey(chat.State.Question!))
        {
            await chat.PressDone();
        }
        var indicator = chat.Pack.Indicators[chat.State.Question!];
        Assert.EndsWith(indicator.Witness, chat.Prompt.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_age_is_treated_as_a_minor_and_routed_to_police()
    {
        var chat = new Chat();
        await chat.Intake("self", "not-sure");
        Assert.True(chat.State.Minor);
        var asked = new List<string>();
        await chat.AnswerScreening(choice => chat.OptionFor(choice, Form.Labour), indicator => { asked.Add(indicator.Id); return "yes"; });
        Assert.Contains(asked, id => chat.Pack.Indicators[id].Section == "what/minors");   // the minors' signs were asked

        await chat.Press("talk");
        await chat.Press("woman");
        Assert.False(chat.Offers("hotline"));   // clause 16: police or guardianship, not left waiting
        await chat.Press("police");
        await chat.Press("agree");
        Assert.True(chat.Last.Escalation!.Minor);
        Assert.Equal(Destination.Police, chat.Last.Escalation.Destination);
    }

    [Fact]
    public async Task Refusing_help_ends_with_the_information_card()
    {
        var chat = new Chat();
        await chat.Intake("self", "adult");
        await chat.AnswerScreening(choice => chat.OptionFor(choice, Form.Sexual), _ => "no");
        Assert.False(chat.Offers("leave"));   // never the quick exit's word
        await chat.Press("not-now");

        // A short line and the card's five-line summary with the numbers; the rest a page at a time, on request.
        Assert.Equal([chat.Pack.Text("rights.refused"), chat.Pack.Text("rights.summary")], chat.Last.Messages.Select(m => m.Text));
        Assert.Equal(5, chat.Prompt.Text.Split('\n').Length);
        Assert.Contains("116 16", chat.Prompt.Text, StringComparison.Ordinal);
        Assert.Contains("102", chat.Prompt.Text, StringComparison.Ordinal);
        Assert.Null(chat.Last.Escalation);

        var card = chat.Pack.Rights;
        var read = new List<string>();
        while (chat.Offers("next"))
        {
            await chat.Press("next");
            Assert.Single(chat.Last.Messages);   // one page at a time
            read.Add(chat.Prompt.Text);
        }
        await chat.Press("foreigners");
        read.Add(chat.Prompt.Text);
        var shown = string.Join("\n", read);
        Assert.Contains(card.Title, shown, StringComparison.Ordinal);
        Assert.All(card.Rights, right => Assert.Contains(right.Text, shown, StringComparison.Ordinal));
        Assert.All(card.Duties, duty => Assert.Contains(duty.Text, shown, StringComparison.Ordinal));
        Assert.All(card.Rights.Where(r => r.N is >= 10 and <= 15), right => Assert.Contains(right.Text, chat.Prompt.Text, StringComparison.Ordinal));
        Assert.DoesNotContain(card.Rights.Single(r => r.N == 1).Text, chat.Prompt.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Declining_consent_sends_nothing_and_gives_the_card()
    {
        var chat = new Chat("kk");
        await chat.Intake("self", "adult");
        await chat.Press("stop");
        await chat.Press("talk");
        await chat.Press("man");
        await chat.Press("hotline");
        await chat.Press("disagree");

        Assert.All(chat.Turns, t => Assert.Null(t.Escalation));
        Assert.Equal(Step.Rights, chat.State.Step);
        Assert.Equal([chat.Pack.Text("consent.refused"), chat.Pack.Text("rights.summary")], chat.Last.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task Person_abroad_is_told_about_consulates_and_flagged()
    {
        var chat = new Chat();
        await chat.Intake("self", "adult", location: "abroad");
        Assert.Contains(chat.Pack.Text("location.abroad"), chat.Last.Messages.Select(m => m.Text));
        await chat.Press("stop");
        await chat.Press("talk");
        await chat.Press("no-preference");
        await chat.Press("hotline");
        await chat.Press("agree");
        Assert.True(chat.Last.Escalation!.Abroad);
    }

    [Fact]
    public async Task Danger_now_gets_the_emergency_numbers_first_and_raises_urgency()
    {
        var chat = new Chat();
        await chat.Start();
        await chat.Press("continue");
        await chat.Press("danger");
        Assert.StartsWith(chat.Pack.Text("safety.danger"), chat.Prompt.Text, StringComparison.Ordinal);
        Assert.Contains("102", chat.Prompt.Text, StringComparison.Ordinal);
        await chat.Press("questions");
        Assert.Equal(chat.Pack.Text("role.ask"), chat.Prompt.Text);

        await chat.Press("self");
        await chat.Press("adult");
        await chat.Press("in-kazakhstan");
        await chat.AnswerScreening(choice => chat.OptionFor(choice, Form.Labour), _ => "yes");
        Assert.StartsWith(chat.Pack.Text("result.urgent"), chat.Prompt.Text, StringComparison.Ordinal);
        await chat.Press("talk");
        await chat.Press("woman");
        await chat.Press("police");
        await chat.Press("agree");
        Assert.True(chat.Last.Escalation!.Urgent);
        Assert.Equal(Level.Urgent, chat.Last.Escalation.Level);
    }

    [Theory]
    [InlineData("kk", "adult", "result.none.danger")]
    [InlineData("ru", "adult", "result.none.danger")]
    [InlineData("en", "adult", "result.none.danger")]
    [InlineData("kk", "under18", "result.none.danger.child")]
    [InlineData("ru", "under18", "result.none.danger.child")]
    [InlineData("en", "under18", "result.none.danger.child")]
    public async Task Danger_with_no_signs_still_puts_102_and_112_first(string language, string age, string expected)
    {
        var chat = new Chat(language);
        await chat.Intake("self", age, safety: "danger");
        await chat.AnswerScreening(choice => chat.OptionFor(choice, null), _ => "no");

        Assert.StartsWith(chat.Pack.Text(expected), chat.Prompt.Text, StringComparison.Ordinal);
        var firstLine = chat.Prompt.Text.Split('\n')[0];
        Assert.Contains("102", firstLine, StringComparison.Ordinal);
        Assert.Contains("112", firstLine, StringComparison.Ordinal);
        // Without the danger the same answers get the plain "these questions did not show…".
        var calm = new Chat(language);
        await calm.Intake("self", age);
        await calm.AnswerScreening(choice => calm.OptionFor(choice, null), _ => "no");
        Assert.StartsWith(calm.Pack.Text(age == "adult" ? "result.none" : "result.none.child"), calm.Prompt.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("102", calm.Prompt.Text.Split('\n')[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_needed_points_to_the_ambulance()
    {
        var chat = new Chat();
        await chat.Start();
        await chat.Press("continue");
        await chat.Press("doctor");
        Assert.Contains("103", chat.Prompt.Text, StringComparison.Ordinal);
        Assert.True(chat.State.NeedsDoctor);
    }

    [Theory]
    [InlineData("kk")]
    [InlineData("ru")]
    [InlineData("en")]
    public async Task A_path_never_shows_more_screens_than_the_budget(string language)
    {
        foreach (var form in Enum.GetValues<Form>())
        {
            var chat = new Chat(language);
            await chat.Intake("self", "adult");
            var screens = await chat.AnswerScreening(choice => chat.OptionFor(choice, form), _ => "yes");
            Assert.InRange(screens, 4, chat.Content.Plan.Budget.Screens);
        }
    }

    [Fact]
    public async Task The_user_can_stop_at_any_question()
    {
        var chat = new Chat();
        await chat.Intake("self", "adult");
        await chat.PressDone();
        await chat.Tick(["home"]);
        await chat.Press("stop");
        Assert.Equal(Step.Result, chat.State.Step);
    }

    [Fact]
    public async Task Rights_only_shows_the_card_paged()
    {
        var chat = new Chat();
        await chat.Start();
        await chat.Press("continue");
        await chat.Press("safe");
        await chat.Press("rights-only");
        Assert.Equal(chat.Pack.Text("rights.summary"), chat.Prompt.Text);
        await chat.Press("next");
        Assert.StartsWith(chat.Pack.Rights.Title, chat.Prompt.Text, StringComparison.Ordinal);
        await chat.Press("next");
        await chat.Press("next");
        Assert.Contains(chat.Pack.Rights.Closing, chat.Prompt.Text, StringComparison.Ordinal);
        Assert.False(chat.Offers("next"));
    }

    [Theory]
    [InlineData("/rights")]
    [InlineData("/talk")]
    [InlineData("/language")]
    [InlineData("/help")]
    public async Task Commands_work_in_the_middle_of_the_screening(string command)
    {
        var chat = new Chat();
        await chat.Intake("self", "adult");
        var before = chat.State.Step;
        await chat.Type(command);
        var expected = command switch
        {
            "/rights" => Step.Rights,
            "/talk" => Step.Gender,
            "/language" => Step.Language,
            _ => before,
        };
        Assert.Equal(expected, chat.State.Step);
        Assert.NotEmpty(chat.Prompt.Options);
    }

    [Fact]
    public async Task Exit_and_forget_reset_the_conversation()
    {
        var chat = new Chat();
        await chat.Intake("self", "adult");
        var exit = await chat.Type("/exit");
        Assert.Equal(TurnEffect.QuickExit, exit.Effect);
        Assert.Null(chat.State.Role);
        await chat.Intake("witness", "adult");
        var forget = await chat.Type("/forget");
        Assert.Equal(TurnEffect.Forget, forget.Effect);
        Assert.Empty(chat.State.Answers);
        Assert.Null(chat.State.Language);
    }

    [Fact]
    public async Task A_stale_button_gets_the_expired_message_and_the_current_question()
    {
        var chat = new Chat();
        await chat.Start();
        var old = chat.Prompt.Options[0].Id;
        await chat.Press("continue");
        await chat.Send(UserTurn.Pressed(old));
        Assert.Equal(chat.Pack.Text("input.expired"), chat.Last.Messages[0].Text);
        Assert.Equal(chat.Pack.Text("safety.ask"), chat.Prompt.Text);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\u0001\u0002")]
    [InlineData("what is this")]
    [InlineData("99")]
    public async Task Text_that_is_not_an_answer_gets_a_clear_reply_and_the_same_question(string text)
    {
        var chat = new Chat();
        await chat.Start();
        await chat.Press("continue");
        await chat.Type(text);
        Assert.Equal(chat.Pack.Text("input.choose"), chat.Last.Messages[0].Text);
        Assert.Equal(Step.Safety, chat.State.Step);
    }

    [Theory]
    [InlineData("1", Step.Urgent)]
    [InlineData("No one is in danger now", Step.Role)]
    [InlineData("/nonsense", Step.Safety)]
    [InlineData("7.forged", Step.Safety)]
    public async Task Typed_numbers_and_labels_answer_and_unknown_input_is_refused(string text, Step expected)
    {
        var chat = new Chat();
        await chat.Start();
        await chat.Press("continue");
        await chat.Type(text);
        Assert.Equal(expected, chat.State.Step);
    }

    [Fact]
    public async Task Talk_at_once_offers_both_routes_and_flags_the_unknown_age_as_a_minor()
    {
        var chat = new Chat();
        await chat.Start();
        await chat.Type("/talk");
        await chat.Press("no-preference");
        Assert.True(chat.Offers("hotline"));
        Assert.True(chat.Offers("police"));
        await chat.Press("hotline");
        await chat.Press("agree");
        Assert.True(chat.Last.Escalation!.Minor);   // clause 14: age unknown
        Assert.Empty(chat.Last.Escalation.Summary.Items);
    }

    [Fact]
    public async Task Locale_preselects_the_language()
    {
        var chat = new Chat("ru");
        await chat.Start();
        Assert.Equal("ru", chat.State.Language);
        Assert.Equal(chat.Content["ru"].Text("privacy.ask"), chat.Prompt.Text);
    }

    [Fact]
    public async Task Without_a_locale_the_language_is_asked_in_every_content_language_each_in_its_own_name()
    {
        var chat = new Chat();
        await chat.Send(new UserTurn(Text: "/start"));
        Assert.Equal(Step.Language, chat.State.Step);
        Assert.Equal(["Қазақша", "Русский", "English", "Oʻzbekcha", "Кыргызча", "Тоҷикӣ"], chat.Prompt.Options.Select(o => o.Label));
        await chat.PressLabel("Oʻzbekcha");
        Assert.Equal("uz", chat.State.Language);
    }

    [Theory]
    [InlineData("uz-Latn-UZ", "uz")]
    [InlineData("ky", "ky")]
    [InlineData("tg_TJ", "tg")]
    public async Task A_locale_of_a_new_language_preselects_it(string locale, string language)
    {
        var chat = new Chat();
        await chat.Send(new UserTurn(Text: "/start", Locale: locale));
        Assert.Equal(language, chat.State.Language);
        Assert.Equal(chat.Content[language].Text("privacy.ask"), chat.Prompt.Text);
    }

    [Fact]
    public async Task A_deep_link_opens_the_witness_role_and_remembers_the_source()
    {
        var chat = new Chat();
        await chat.Type("/start witness-station-almaty");
        Assert.Equal("witness-station-almaty", chat.State.Source);
        await chat.Press("safe");
        Assert.Equal(Step.Age, chat.State.Step);
        Assert.Equal(Role.Witness, chat.State.Role);
    }
}
