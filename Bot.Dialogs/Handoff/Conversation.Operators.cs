using Stateless;

namespace Bot.Dialogs;

/// <summary>
/// What operators do, as the person sees it. It reaches the person only while they wait on that very request (the
/// escalation's id is the ticket's): an old ticket's late action must not land in a newer request, or in a conversation that moved on.
/// </summary>
public sealed partial class Conversation
{
    private StateMachine<Step, Trigger>.TriggerWithParameters<string, Gender, Destination> _operatorJoined = null!;
    private StateMachine<Step, Trigger>.TriggerWithParameters<string, string, Destination> _operatorWrote = null!;
    private StateMachine<Step, Trigger>.TriggerWithParameters<Destination> _operatorTransferred = null!;
    private StateMachine<Step, Trigger>.TriggerWithParameters<bool> _noOperatorYet = null!;

    private void DeclareOperatorTriggers()
    {
        _operatorJoined = _machine.SetTriggerParameters<string, Gender, Destination>(Trigger.OperatorJoined);
        _operatorWrote = _machine.SetTriggerParameters<string, string, Destination>(Trigger.OperatorWrote);
        _operatorTransferred = _machine.SetTriggerParameters<Destination>(Trigger.OperatorTransferred);
        _noOperatorYet = _machine.SetTriggerParameters<bool>(Trigger.NoOperatorYet);
    }

    /// <summary>An operator claimed the ticket: the person learns the operator's display name and gender, nothing more.</summary>
    public TurnResult OperatorJoined(ConversationState state, Guid ticket, string displayName, Gender gender, Destination destination) =>
        Act(state, ticket, () => _machine.Fire(_operatorJoined, displayName, gender, destination));

    /// <summary>The operator's words, as they wrote them, under their name and role (issue 12: never mistaken for the bot's).</summary>
    /// <param name="team">The team the operator answers for: the hotline or the police.</param>
    public TurnResult OperatorWrote(ConversationState state, Guid ticket, string text, string displayName, Destination team) =>
        Act(state, ticket, () => _machine.Fire(_operatorWrote, text, displayName, team), when: () => _state.WithOperator);

    /// <summary>The operator passed the request to the other team: the person is told where it went, and the bot answers again until someone there joins.</summary>
    public TurnResult OperatorTransferred(ConversationState state, Guid ticket, Destination to) =>
        Act(state, ticket, () => _machine.Fire(_operatorTransferred, to));

    /// <summary>Nobody claimed in time, or outside working hours: say so honestly, with 116 16 and 102; the ticket stays open.</summary>
    public TurnResult NoOperatorYet(ConversationState state, Guid ticket, bool outsideHours) =>
        Act(state, ticket, () => _machine.Fire(_noOperatorYet, outsideHours), when: () => !_state.WithOperator);

    /// <summary>The operator ended the conversation: back to the bot menu, with the rights card.</summary>
    public async Task<TurnResult> OperatorEndedAsync(ConversationState state, Guid ticket)
    {
        if (!Waiting(state, ticket))
        {
            return Nothing;
        }
        await _machine.FireAsync(Trigger.OperatorEnded);
        Add(CurrentPrompt());
        return new TurnResult(_messages, TurnEffect.None, null);
    }

    private TurnResult Act(ConversationState state, Guid ticket, Action fire, Func<bool>? when = null)
    {
        if (!Waiting(state, ticket) || when?.Invoke() == false)
        {
            return Nothing;
        }
        fire();
        if (_waitingLine is not null)
        {
            Add(CurrentPrompt());   // still waiting: the line comes with Cancel under it
        }
        return new TurnResult(_messages, TurnEffect.None, null);
    }

    private bool Waiting(ConversationState state, Guid ticket)
    {
        Begin(state);
        return _state.Step == Step.Waiting && _state.EscalationId == ticket;
    }

    private void JoinOperator(string displayName, Gender gender, Destination destination)
    {
        _state.WithOperator = true;
        var who = Pack.Text(gender == Dialogs.Gender.Man ? "operator.gender.man" : "operator.gender.woman");
        Add(new BotMessage(Pack.Text(destination == Dialogs.Destination.Police ? "operator.joined.police" : "operator.joined.hotline",
            ("name", displayName), ("gender", who)), []));
    }

    private void SayFromOperator(string text, string displayName, Destination team) =>
        Add(new BotMessage(text, [], From: Pack.Text(team == Dialogs.Destination.Police ? "operator.says.police" : "operator.says.hotline",
            ("name", displayName))));

    private void TransferTo(Destination to)
    {
        (_state.WithOperator, _state.Destination) = (false, to);
        _waitingLine = Text(to == Dialogs.Destination.Police ? "operator.transferred.police" : "operator.transferred.hotline");
    }
}
