namespace Crm.PluginSdk.Events;

/// <summary>What kind of actor made a change: told in every event beside <see cref="DomainEvent{TEvent}.ActorId"/>, so history can say "by an API key of Ann", "by the import".</summary>
public enum ActorKind
{
    /// <summary>A user signed in with an access token (the console, an app acting for them).</summary>
    User,

    /// <summary>An integration, with one of a user's API keys.</summary>
    ApiKey,

    /// <summary>The platform's own work: event handlers, jobs, start-up; also events stored before actor kinds were told.</summary>
    System,

    /// <summary>An automation rule acting on a user's behalf or as the system.</summary>
    Automation,

    /// <summary>An import of records.</summary>
    Import,
}

/// <summary>
/// Who made a change, and through what: the kind of actor and the channel (<see cref="Channels"/>),
/// written into every event of the change (<c>actorKind</c>, <c>via</c> in the envelope).
/// </summary>
/// <param name="Kind">The kind of actor.</param>
/// <param name="Via">The channel the change came through (<c>graphql</c>, <c>import</c>, <c>event</c>, ...); null when unknown.</param>
public readonly record struct ChangeOrigin(ActorKind Kind, string? Via)
{
    /// <summary>The channels the platform names; modules may name their own (letters, digits, <c>. _ - :</c>, at most 64 characters).</summary>
    public static class Channels
    {
        /// <summary>A GraphQL request (HTTP or WebSocket).</summary>
        public const string GraphQL = "graphql";

        /// <summary>The platform's own background work (event delivery, jobs, start-up).</summary>
        public const string Platform = "platform";

        /// <summary>An import of records.</summary>
        public const string Import = "import";

        /// <summary>An automation rule's run.</summary>
        public const string Automation = "automation";
    }
}
