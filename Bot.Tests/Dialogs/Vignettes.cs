using Bot.Content;
using Bot.Dialogs;
using Bot.Dialogs.Screening;

namespace Bot.Tests.Dialogs;

/// <summary>
/// A scripted person: who they are (role, age, where they are), what is true for them (the options they
/// recognise on the who, place and situation screens, the signs that are true), and what the screening
/// should conclude. Everything not listed is answered "no" / left unticked.
/// </summary>
public sealed record Persona(
    string Name, string Role, string Age, string[] Who, string[] Place, string[] Situation, string[] Signs,
    Level Expected, Form[] Forms, string Location = "in-kazakhstan", string Safety = "safe", bool FalseAlarm = false)
{
    public override string ToString() => Name;
}

/// <summary>What a persona's walk through the real engine gave.</summary>
public sealed record Walked(Level Level, IReadOnlyList<Form> Forms, int Screens, int Items, double ReadingSeconds, Chat Chat);

public static class Vignettes
{
    public static readonly IReadOnlyList<Persona> All =
    [
        // Foreign labour migrants in Kazakhstan (who/adults/14, /15): the group the hotline meets most.
        new("Migrant on a building site, passport kept, no pay", "self", "adult", ["came-to-work"], ["farm-or-building"], ["work"],
            ["general-documents-held", "labour-no-contract-no-pay"], Level.Strong, [Form.Labour]),
        new("Migrant without papers, afraid of the police, at a station", "self", "adult", ["came-to-work", "papers-not-in-order"], ["station"], [],
            ["general-fear-of-authorities"], Level.Strong, []),
        new("Migrant on a farm far away, debt keeps growing", "self", "adult", ["came-to-work"], ["farm-or-building"], ["work"],
            ["labour-forced-to-work", "general-inflated-debt", "labour-remote-place"], Level.Strong, [Form.Labour]),
        // Kazakh citizens abroad (who/adults/13; clauses 21-23).
        new("Kazakh domestic worker abroad, cannot leave the house", "self", "adult", ["works-abroad", "home-worker"], ["home"], ["work"],
            ["general-documents-held", "labour-irregular-hours", "general-cannot-leave"], Level.Strong, [Form.Labour], Location: "abroad"),
        new("Kazakh woman abroad, someone takes the money from clients", "self", "adult", ["works-abroad"], ["leisure"], ["sexual"],
            ["sexual-third-party-takes-payment", "general-inflated-debt"], Level.Strong, [Form.Sexual], Location: "abroad"),
        new("Kazakh man abroad, papers held by the recruiter", "self", "adult", ["works-abroad"], ["recruiter"], [],
            ["general-documents-held", "general-deceived-threatened-fined"], Level.Strong, [], Location: "abroad"),
        // A domestic worker (who/adults/12).
        new("Domestic worker in Almaty, made to work, little food", "self", "adult", ["home-worker"], ["home"], ["work"],
            ["labour-forced-to-work", "general-not-enough-food"], Level.Strong, [Form.Labour]),
        new("Witness: neighbour's nanny, passport kept, not let talk", "witness", "adult", ["home-worker", "came-to-work"], ["home"], [],
            ["general-documents-held", "general-cannot-talk-freely"], Level.Strong, []),
        // Each of the six forms.
        new("Woman in a sauna, no choice of clients", "self", "adult", ["depends-on-someone"], ["leisure"], ["sexual"],
            ["sexual-no-choice-of-clients", "sexual-third-party-takes-payment"], Level.Strong, [Form.Sexual]),
        new("Adult threatened online with intimate photos", "self", "adult", [], ["online"], ["sexual"],
            ["sexual-threat-to-share-images"], Level.Some, [Form.Sexual]),
        new("Witness: man begging at a market, brought and watched", "witness", "adult", [], ["street-or-market"], ["begging"],
            ["begging-placed-at-set-spots", "begging-afraid-to-leave", "begging-visible-disability"], Level.Strong, [Form.Begging]),
        new("Unemployed man pressed to sell a kidney", "self", "adult", ["no-job"], ["hospital"], ["organs"],
            ["organs-taken-for-profit", "general-deceived-threatened-fined"], Level.Strong, [Form.Organs]),
        new("Young man made to sell drugs online, scared with the law", "self", "adult", ["substances", "depends-on-someone"], ["online"], ["crime"],
            ["crime-forced-illegal-acts", "general-fears-legal-punishment", "general-threatened"], Level.Strong, [Form.Crime]),
        new("Witness: a baby handed over at a maternity ward", "witness", "adult", [], ["hospital"], ["child-sale"],
            ["childsale-sold-for-adoption", "border-doubtful-family-ties"], Level.Strong, [Form.ChildSale]),
        // A witness at a border, an airport, a station.
        new("Witness at a border post: a group, one speaks for all", "witness", "adult", [], ["border"], [],
            ["border-group-claims-alone", "border-passive-follows-others", "border-no-own-documents"], Level.Strong, [], Location: "abroad"),
        new("Witness at an airport: a frightened traveller", "witness", "adult", [], ["station"], [],
            ["border-shows-fear", "border-no-trip-details"], Level.Some, []),
        new("Witness at a station: a girl with an adult who is not family", "witness", "under18", [], ["station"], [],
            ["border-doubtful-family-ties", "minorsigns-with-unrelated-adults", "border-shows-fear"], Level.Strong, []),
        // Minors for themselves (clause 14: "not sure" is a minor).
        new("Teenager threatened online, asked to show her body", "self", "under18", [], ["online"], ["sexual"],
            ["sexual-threat-to-share-images", "minorsigns-sexualised-behaviour"], Level.Strong, [Form.Sexual]),
        new("Boy begging at a market instead of school", "self", "under18", ["no-school"], ["street-or-market"], ["begging"],
            ["begging-placed-at-set-spots", "minorsigns-no-school-medical-help"], Level.Strong, [Form.Begging]),
        new("Child of unknown age made to work on a farm", "self", "not-sure", [], ["farm-or-building"], ["work"],
            ["labour-forced-to-work", "minorsigns-work-unfit-for-age"], Level.Strong, [Form.Labour]),
        new("Bullied boy made to steal", "self", "under18", ["alone-or-bullied"], [], ["crime"],
            ["crime-forced-illegal-acts", "general-fears-legal-punishment"], Level.Strong, [Form.Crime]),
        new("Girl in care handed to another family for money", "self", "under18", ["in-care"], [], ["child-sale"],
            ["childsale-sold-for-adoption", "minorsigns-with-unrelated-adults"], Level.Strong, [Form.ChildSale]),
        new("Girl crossing a border without her parents", "self", "under18", ["travels-without-parents"], ["border"], [],
            ["border-no-own-documents", "border-doubtful-family-ties", "minorsigns-with-unrelated-adults"], Level.Strong, [], Location: "abroad"),
        new("Witness: a boy kept from the doctor after an operation", "witness", "under18", [], ["hospital"], ["organs"],
            ["organs-taken-for-profit", "general-no-medical-social-help"], Level.Strong, [Form.Organs]),
        // More adults.
        new("Woman in a sect, cannot leave", "self", "adult", ["family-troubles"], ["religious-group"], [],
            ["general-controlled-by-others", "general-cannot-leave"], Level.Strong, []),
        new("Job seeker deceived by a recruiter, debt", "self", "adult", ["no-job"], ["recruiter"], [],
            ["general-deceived-threatened-fined", "general-inflated-debt"], Level.Strong, []),
        new("Witness: old man in a care home, pension card taken", "witness", "adult", ["older", "disability"], ["care-centre"], [],
            ["general-no-control-of-income"], Level.Strong, []),
        new("Migrant in danger on a farm", "self", "adult", ["came-to-work"], ["farm-or-building"], ["work"],
            ["labour-forced-to-work"], Level.Urgent, [Form.Labour], Safety: "danger"),
        new("Homeless man sleeping where he works", "self", "adult", ["no-home"], ["street-or-market"], [],
            ["general-unfit-living-place"], Level.Some, []),
        // False alarms: ordinary lives must never read "strong".
        new("Teenager with strict parents", "self", "under18", ["one-parent"], ["home"], [],
            [], Level.None, [], FalseAlarm: true),
        new("Teenager with strict parents who ticks the phone anyway", "self", "under18", [], ["home"], [],
            ["general-messages-watched"], Level.Some, [], FalseAlarm: true),
        new("Child whose parent keeps the passport", "self", "under18", [], ["home", "school"], [],
            ["general-documents-held", "general-messages-watched"], Level.Some, [], FalseAlarm: true),
        new("Adult with an ordinary job on a building site", "self", "adult", [], ["farm-or-building"], [],
            ["labour-irregular-hours"], Level.Some, [Form.Labour], FalseAlarm: true),
        new("Worker paid late once", "self", "adult", [], ["farm-or-building"], ["work"],
            [], Level.None, [], FalseAlarm: true),
        new("Migrant with an ordinary job", "self", "adult", ["came-to-work"], ["farm-or-building"], [],
            [], Level.None, [], FalseAlarm: true),
        new("Student flying abroad for studies", "self", "adult", [], ["station", "border"], [],
            [], Level.None, [], Location: "abroad", FalseAlarm: true),
    ];

    /// <summary>Walks the persona through the real engine by pressing the buttons on screen, as they would.</summary>
    public static async Task<Walked> Walk(Persona persona, string language)
    {
        var chat = new Chat(language);
        await chat.Intake(persona.Role, persona.Age, persona.Location, persona.Safety);
        var items = 0;
        var screens = await chat.AnswerScreening(screen =>
        {
            items += chat.Prompt.Options.Count(o => o.Id.Contains(".t.", StringComparison.Ordinal));
            return screen switch { "who" => persona.Who, "place" => persona.Place, "situation" => persona.Situation, _ => [] };
        }, indicator =>
        {
            items++;
            return persona.Signs.Contains(indicator.Id) ? "yes" : "no";
        });
        var outcome = Screening.Outcome(chat.State, chat.Pack, chat.Content.Plan);
        return new Walked(outcome.Level, outcome.Forms, screens, items, chat.State.ReadingSeconds, chat);
    }
}
