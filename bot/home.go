package bot

import (
	"context"
	"time"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/bot/chat"
)

// HomeStore is what the App Home reads: the threads of the recent triages
// and the votes on them.
type HomeStore interface {
	RecordTriage(ctx context.Context, thread chat.Ref, at time.Time) error
	RecentTriages(ctx context.Context, n int) ([]chat.Ref, error)
	ThreadVotes(ctx context.Context, thread chat.Ref) (up, down int, err error)
}

// HomePublisher publishes a member's App Home tab (bot/slackchat).
type HomePublisher interface {
	PublishHome(ctx context.Context, user string, m blocks.Message) error
}

// homeTriages is how many recent triages the App Home reads.
const homeTriages = 50

// recordTriage remembers the thread for the App Home.
func (b *Bot) recordTriage(ctx context.Context, thread chat.Ref) {
	hs, ok := b.deps.Store.(HomeStore)
	if !ok {
		return
	}
	if err := hs.RecordTriage(ctx, thread, b.now()); err != nil {
		b.log.Warn("could not remember the triage for the App Home", "thread", thread.String(), "error", err)
	}
}

// OnHomeOpened publishes the member's App Home: the recent triages and the
// accuracy people reported, per channel and overall.
func (b *Bot) OnHomeOpened(ctx context.Context, user string) {
	hs, okStore := b.deps.Store.(HomeStore)
	pub, okChat := b.chat.(HomePublisher)
	if !okStore || !okChat {
		return
	}
	threads, err := hs.RecentTriages(ctx, homeTriages)
	if err != nil {
		b.log.Warn("App Home: could not read the recent triages", "error", err)
	}
	var triages []blocks.HomeTriage
	perChannel := map[string]*blocks.HomeVotes{}
	var order []string
	for _, th := range threads {
		if !b.channels[th.Channel] {
			continue // a channel the bot no longer serves
		}
		st, err := b.deps.Store.LoadThread(ctx, th)
		if err != nil {
			continue // expired with its thread
		}
		t := blocks.HomeTriage{Alarm: st.Report.Alarm, Channel: th.Channel, ChannelName: b.channelName(ctx, th.Channel), ThreadTS: th.TS}
		if len(st.Report.Candidates) > 0 {
			t.Top = &st.Report.Candidates[0]
		}
		triages = append(triages, t)
		up, down, err := hs.ThreadVotes(ctx, th)
		if err != nil {
			continue
		}
		v := perChannel[th.Channel]
		if v == nil {
			v = &blocks.HomeVotes{Channel: th.Channel, ChannelName: t.ChannelName}
			perChannel[th.Channel] = v
			order = append(order, th.Channel)
		}
		v.Up, v.Down = v.Up+up, v.Down+down
	}
	votes := make([]blocks.HomeVotes, 0, len(order))
	for _, ch := range order {
		votes = append(votes, *perChannel[ch])
	}
	if err := pub.PublishHome(ctx, user, blocks.Home(triages, votes)); err != nil {
		b.log.Warn("App Home: could not publish", "user", user, "error", err)
	}
}
