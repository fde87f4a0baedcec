package bot

import (
	"context"
	"time"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/bot/chat"
	"github.com/trailhound/trailhound/investigation"
)

// Picturer draws a triage's timeline: the alarm's metric against the
// report's causes.
type Picturer interface {
	Picture(ctx context.Context, alarm investigation.Alarm, rep *investigation.Report) (chat.File, error)
}

// Uploader shares a file in a thread (bot/slackchat).
type Uploader interface {
	Upload(ctx context.Context, thread chat.Ref, f chat.File) error
}

// pictureTimeout bounds drawing and uploading the picture: the report is
// already posted, and the picture must not hold the worker long.
const pictureTimeout = 30 * time.Second

// postPicture puts the timeline in the report's thread. When it cannot, the
// thread says why in one line: the report stands either way.
func (b *Bot) postPicture(ctx context.Context, j *triageJob, rep *investigation.Report) {
	if b.deps.Pictures == nil {
		return
	}
	up, ok := b.chat.(Uploader)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, pictureTimeout)
	defer cancel()
	why := ""
	f, err := b.deps.Pictures.Picture(ctx, j.alarm, rep)
	if err != nil {
		why = userReason(err)
	} else if err = up.Upload(ctx, chat.Ref(j.thread), f); err != nil {
		why = "the upload to Slack failed: " + userReason(err)
	} else {
		return
	}
	b.log.Warn("no timeline picture", "alarm", j.alarm.Name, "error", err)
	note := blocks.Message{Text: "🖼️ No timeline picture for this report: " + why}
	if _, perr := b.chat.Post(ctx, chat.Ref(j.thread), note); perr != nil {
		b.log.Debug("could not say why the picture is missing", "alarm", j.alarm.Name, "error", perr)
	}
}
