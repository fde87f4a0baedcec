package bot

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/bot/chat"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/engine"
)

// The ports: what the bot needs from the world, in its own terms. Each is
// small and defined here, where it is consumed; adapters implement them
// (bot/slackchat for the chat, RedisStore for the store, SQSQueue for the
// queue, the engine and the agent for triage and answers).

// Outbox is what the bot says in the workspace. Messages are addressed by
// chat.Ref: a channel and, for a reply or an edit, a message's ts.
type Outbox interface {
	// Post sends m to at.Channel, as a reply in the thread at.TS when set,
	// paced per channel and retried; it returns the new message's ts.
	Post(ctx context.Context, at chat.Ref, m blocks.Message) (string, error)
	// PostLater is Post behind what the channel has to say now: for a
	// backlog (a storm's reports) that must not hold up what cannot wait.
	PostLater(ctx context.Context, at chat.Ref, m blocks.Message) (string, error)
	// PostIfIdle replies in thread only if the channel has room right now,
	// in one attempt: for what can wait and must not delay what cannot.
	PostIfIdle(ctx context.Context, thread chat.Ref, m blocks.Message) (string, error)
	// Update replaces a message, retried; UpdateOnce tries once, for
	// progress that the next update supersedes anyway.
	Update(ctx context.Context, msg chat.Ref, m blocks.Message) error
	UpdateOnce(ctx context.Context, msg chat.Ref, m blocks.Message) error
	// Ephemeral shows m to user only, under the thread at.TS when set.
	Ephemeral(ctx context.Context, at chat.Ref, user string, m blocks.Message) error
	React(ctx context.Context, msg chat.Ref, name string) error
	// Replies reads a thread back: the root first, then its replies.
	Replies(ctx context.Context, thread chat.Ref) ([]chat.Posted, error)
}

// Inbox is where people's requests come from.
type Inbox interface {
	// Connect learns who the bot is; it fails for good on a bad token.
	Connect(ctx context.Context) error
	// Serve hands requests to h until ctx ends, each handled with work;
	// its error says the connection failed for good.
	Serve(ctx, work context.Context, h chat.Handler) error
	// Connected reports whether the connection is up now.
	Connected() bool
	// Pending is how many received requests wait to be handled.
	Pending() int
}

// Zones tells the time zone a member types times in.
type Zones interface {
	Zone(ctx context.Context, user string) chat.Zone
}

// Chat is the workspace the bot lives in (bot/slackchat for Slack).
type Chat interface {
	Inbox
	Outbox
	Zones
}

// Triager runs one triage, calling progress after each stage from the
// triage's own goroutine.
type Triager interface {
	Triage(ctx context.Context, alarm investigation.Alarm, progress func(engine.Progress)) (*investigation.Report, error)
}

// EngineTriager adapts the engine. Each triage runs on a copy of e so that
// concurrent triages report progress to their own callbacks.
func EngineTriager(e *engine.Engine) Triager { return engineTriager{e} }

type engineTriager struct{ e *engine.Engine }

func (t engineTriager) Triage(ctx context.Context, a investigation.Alarm, progress func(engine.Progress)) (*investigation.Report, error) {
	eng := *t.e
	eng.OnProgress = progress
	return eng.Triage(ctx, a)
}

// Advisor refines a posted report with the AI. It may set only rep.AI and
// returns what the AI section shows: the assessment, or Skipped and why.
// The deterministic report is already in the thread when it runs, so a slow
// or failing model never delays or hides it.
type Advisor interface {
	Advise(ctx context.Context, alarm investigation.Alarm, rep *investigation.Report) *blocks.AIAssessment
}

// Answerer answers, with the AI, a free-form question asked in a triage
// thread, from the thread's stored context. The answer cites the events it
// rests on; an error says in one line why there is no answer (AI off,
// throttled, a budget spent, invalid output).
type Answerer interface {
	Answer(ctx context.Context, question string, st ThreadState) (text string, cited []investigation.EventRef, err error)
}

// AlarmDescriber reads alarm definitions, for notifications that name an
// alarm without describing it (chat notifications, slash commands).
type AlarmDescriber interface {
	DescribeAlarms(ctx context.Context, region string, names []string) ([]investigation.Alarm, error)
}

// EpisodeKey names one episode of one alarm: the alarm's ARN and the minute
// its state changed, which every delivery of one transition shares.
type EpisodeKey struct {
	Account  string
	Region   string
	AlarmARN string
	Episode  string
}

// ClaimState is the outcome of claiming an episode.
type ClaimState string

// Claim outcomes.
const (
	ClaimWon     ClaimState = "won"     // the caller triages it and holds the lease
	ClaimRunning ClaimState = "running" // another replica is triaging it now
	ClaimDone    ClaimState = "done"    // it was triaged within the dedup window
)

// EpisodeClaim is the answer to claiming an episode.
type EpisodeClaim struct {
	State ClaimState
	// Lease is set when State is ClaimWon.
	Lease Lease
	// Thread is the episode's thread when one was recorded: the report's
	// when done, the placeholder's while running, and for a take-over win
	// the thread the previous owner had started.
	Thread chat.Ref
}

// Lease is a won episode claim: a short lease renewed while the triage
// runs, completed into a "done" marker for the dedup window once the report
// is posted, or released to hand the episode back.
type Lease interface {
	// Hold renews the lease every interval until ctx ends; an error says
	// it was lost.
	Hold(ctx context.Context, every time.Duration) error
	Complete(ctx context.Context, thread chat.Ref, dedupWindow time.Duration) error
	Release(ctx context.Context) error
}

// EpisodeThread is the thread of one episode.
type EpisodeThread struct {
	Episode string
	Thread  chat.Ref
}

// ErrNotFound is the store having no such thread or episode (or no longer).
var ErrNotFound = errors.New("not found")

// Episodes are the alarm episodes replicas claim, so that each is triaged
// once. The owner of a claim names one claimant: a claim already running
// under the same owner is won again (a retry whose reply was lost). ClaimOnce claims anything else that must happen once across
// replicas (an episode's resolution) for ttl.
type Episodes interface {
	ClaimEpisode(ctx context.Context, key EpisodeKey, owner string, lease time.Duration) (EpisodeClaim, error)
	SetEpisodeThread(ctx context.Context, key EpisodeKey, thread chat.Ref) error
	// LatestThread is the thread of the alarm's latest episode that has
	// one, or ErrNotFound.
	LatestThread(ctx context.Context, alarmARN string) (EpisodeThread, error)
	ClaimOnce(ctx context.Context, id string, ttl time.Duration) (bool, error)
}

// ThreadState is what a thread is about, kept for its follow-ups.
type ThreadState struct {
	// Alarm is the alarm as received and scoped (Alarm.Resources is the scope).
	Alarm investigation.Alarm
	// Report is the triage's report; a change table's thread keeps only its
	// resources and window there.
	Report investigation.Report
	// Window is the span the conversation is about now; it starts as the
	// report's and moves when someone widens or narrows it.
	Window investigation.Window
	// EvidenceEventIDs are the event ids the thread's answers may cite.
	EvidenceEventIDs []string
	// AISection is the AI assessment as the report shows it, so that a
	// re-render keeps it.
	AISection json.RawMessage
	// UpdatedAt is when the state was last saved (set by the store): a
	// scenario written from the thread replays as of then.
	UpdatedAt time.Time
}

// Threads keep what a thread is about; LoadThread returns ErrNotFound for a
// thread it does not know.
type Threads interface {
	SaveThread(ctx context.Context, thread chat.Ref, st ThreadState) error
	LoadThread(ctx context.Context, thread chat.Ref) (ThreadState, error)
}

// Artifacts keep reports for replay. SaveReport stores rep under
// rep.ArtifactID, choosing one when it is empty, and returns it.
type Artifacts interface {
	SaveReport(ctx context.Context, rep investigation.Report) (string, error)
}

// Store is the shared state the bot coordinates replicas through;
// RedisStore adapts *store.Store.
type Store interface {
	Ping(ctx context.Context) error
	Episodes
	Threads
	Artifacts
}

// Vote is a 👍 or 👎 on a cause.
type Vote string

// Votes.
const (
	VoteUp   Vote = "up"
	VoteDown Vote = "down"
)

// Feedback is one vote on a cause of a triage, with the cause someone named
// as the right one after a 👎.
type Feedback struct {
	ArtifactID string
	Thread     chat.Ref
	Rank       int      // the cause voted on
	EventIDs   []string // its events
	Vote       Vote
	User       string
	// CorrectCause holds the event ids named as the real cause.
	CorrectCause []string
	At           time.Time
}

// FeedbackStore keeps 👍/👎 on causes (RedisStore's does).
type FeedbackStore interface {
	SaveFeedback(ctx context.Context, f Feedback) error
}

// QueueMessage is one message of the alarm queue.
type QueueMessage struct {
	ID            string
	Body          string
	ReceiptHandle string
	// ReceiveCount is how many times the queue handed the message out, this
	// time included: above one, an earlier receiver failed to delete it.
	ReceiveCount int
}

// Queue is a queue of alarm notifications (SQSQueue adapts *tools.SQS):
// a received message stays hidden for its visibility, which ExtendVisibility
// renews (zero: visible again now), until it is deleted.
type Queue interface {
	// Receive long-polls up to wait for messages.
	Receive(ctx context.Context, wait time.Duration) ([]QueueMessage, error)
	Delete(ctx context.Context, receiptHandle string) error
	ExtendVisibility(ctx context.Context, receiptHandle string, d time.Duration) error
}

// WorkItem is one piece of acknowledged intake recorded in the store.
type WorkItem struct {
	ID   string
	Kind string
	Body []byte
	// Deliveries is how many replicas were handed the item, this one
	// included.
	Deliveries int
}

// Epoch names one life of the store's data; Since is when it began. A new
// epoch says the store lost what it knew (claims, threads) before Since.
type Epoch struct {
	ID    string
	Since time.Time
}

// Work is intake recorded before it was acknowledged, shared by the
// replicas: each item is read by one of them and stays its own while it
// refreshes it; an item left unrefreshed for the takeover time is claimed
// by another, and one handed back is read anew at once. RedisStore's is a
// Redis stream with a consumer group.
type Work interface {
	RecordWork(ctx context.Context, id string, ttl time.Duration, kind string, body []byte) (bool, error)
	ReadWork(ctx context.Context, consumer string, count int, block time.Duration) ([]WorkItem, error)
	ClaimIdleWork(ctx context.Context, consumer string, idle time.Duration, count int) ([]WorkItem, error)
	TouchWork(ctx context.Context, consumer string, ids []string) (int, error)
	DoneWork(ctx context.Context, ids ...string) error
	HandBackWork(ctx context.Context, item WorkItem) (WorkItem, error)
	Epoch(ctx context.Context, now time.Time) (Epoch, error)
}
