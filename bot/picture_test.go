package bot

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trailhound/trailhound/bot/chat"
	"github.com/trailhound/trailhound/bot/slackchat"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/sandbox/slackapi"
)

// fakePictures draws a fixed picture, or fails with err.
type fakePictures struct{ err error }

var pictureBytes = []byte("\x89PNG\r\n\x1a\nnot really a picture")

func (f fakePictures) Picture(_ context.Context, a investigation.Alarm, _ *investigation.Report) (chat.File, error) {
	if f.err != nil {
		return chat.File{}, f.err
	}
	return chat.File{Name: a.Name + "-timeline.png", Title: "Timeline of " + a.Name, AltText: "Errors crossed 3 at 13:57 UTC", Data: pictureBytes}, nil
}

func startPictureReplica(t *testing.T, sb *slackapi.Server, pics Picturer) {
	t.Helper()
	st := openStoreAt(t, "")
	b, err := New(Deps{
		Chat: sandboxChat(t, sb, st, prometheus.NewRegistry(), slackchat.Options{}), Triager: newFakeTriager(), Store: st,
		Pictures: pics, Logger: testLogger(t),
	}, sandboxOptions(sandboxChannel))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	eventually(t, 5*time.Second, "replica ready", b.Ready)
}

// TestSandboxTimelineInTheThread uploads the picture with
// files.getUploadURLExternal and files.completeUploadExternal: the sandbox
// records it in the alarm's thread, under the report, with its alt text.
func TestSandboxTimelineInTheThread(t *testing.T) {
	sb := startSandbox(t, slackapi.Options{})
	startPictureReplica(t, sb, fakePictures{})
	root, err := sb.PostAsBot(sandboxChannel, mailBotID, "AWS Notifications", alarmEmail("checkout-errors", "ALARM", episodeStart))
	if err != nil {
		t.Fatal(err)
	}
	var file slackapi.File
	waitSandbox(t, sb, 10*time.Second, "the picture", func() bool {
		for _, m := range sb.Thread(sandboxChannel, root) {
			if len(m.Files) == 1 {
				file = m.Files[0]
				return true
			}
		}
		return false
	})
	if !bytes.Equal(file.Data, pictureBytes) || file.Name != "checkout-errors-timeline.png" || file.AltText != "Errors crossed 3 at 13:57 UTC" || file.Title != "Timeline of checkout-errors" {
		t.Errorf("file in the thread: %+v", file)
	}
	if _, ok := botReport(sb, sandboxChannel, root); !ok {
		t.Error("no report in the thread")
	}
	var methods []string
	for _, c := range sb.Calls("") {
		if strings.HasPrefix(c.Method, "files.") {
			methods = append(methods, c.Method)
		}
	}
	if strings.Join(methods, ",") != "files.getUploadURLExternal,files.completeUploadExternal" {
		t.Errorf("upload calls: %v", methods)
	}
}

// TestSandboxReportStandsWithoutPicture: when the picture cannot be drawn,
// the report is posted all the same and the thread says why.
func TestSandboxReportStandsWithoutPicture(t *testing.T) {
	sb := startSandbox(t, slackapi.Options{})
	startPictureReplica(t, sb, fakePictures{err: tellable("the alarm has no metric of its own to draw")})
	root, err := sb.PostAsBot(sandboxChannel, mailBotID, "AWS Notifications", alarmEmail("checkout-errors", "ALARM", episodeStart))
	if err != nil {
		t.Fatal(err)
	}
	waitSandbox(t, sb, 10*time.Second, "the note", func() bool {
		for _, m := range sb.Thread(sandboxChannel, root) {
			if strings.Contains(m.Text, "No timeline picture for this report: the alarm has no metric of its own to draw") {
				return true
			}
		}
		return false
	})
	if _, ok := botReport(sb, sandboxChannel, root); !ok {
		t.Error("no report in the thread")
	}
}

// TestSandboxAppHome opens the Home tab after a triage and a 👍: the view
// lists the triage with its top cause, its channel by name, and the accuracy
// people reported. When conversations.info fails, the channel's id stands
// in for its name and the tab shows no error.
func TestSandboxAppHome(t *testing.T) {
	for _, infoFails := range []bool{false, true} {
		t.Run(fmt.Sprintf("conversations.info fails=%v", infoFails), func(t *testing.T) { testAppHome(t, infoFails) })
	}
}

func testAppHome(t *testing.T, infoFails bool) {
	sb := startSandbox(t, slackapi.Options{})
	if infoFails {
		// The app lacks the channels:read scope.
		sb.FailNext("conversations.info", 1000, "missing_scope")
	}
	startPictureReplica(t, sb, nil)
	root, err := sb.PostAsBot(sandboxChannel, mailBotID, "AWS Notifications", alarmEmail("checkout-errors", "ALARM", episodeStart))
	if err != nil {
		t.Fatal(err)
	}
	waitSandbox(t, sb, 10*time.Second, "the report", func() bool { _, ok := botReport(sb, sandboxChannel, root); return ok })
	report, _ := botReport(sb, sandboxChannel, root)
	if _, err := sb.ClickButton(sandboxChannel, "U0ONCALL", report.TS, "feedback_up:1", ""); err != nil {
		t.Fatal(err)
	}
	waitSandbox(t, sb, 10*time.Second, "the thanks", func() bool {
		for _, e := range sb.Ephemerals(sandboxChannel) {
			if strings.Contains(e.Text, "Thanks") {
				return true
			}
		}
		return false
	})
	// The triage is remembered for the Home tab once its report is saved,
	// a moment after the report shows: open the tab until it lists it.
	var view []byte
	eventually(t, 10*time.Second, "the Home tab with the triage", func() bool {
		if err := sb.OpenHome("U0ONCALL"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
		v, _ := sb.Home("U0ONCALL")
		view = v
		return strings.Contains(string(v), "checkout-errors")
	})
	home := string(view)
	channel, notShown := "#alerts", "channel "+sandboxChannel
	if infoFails {
		channel, notShown = notShown, channel
	}
	for _, want := range []string{"Recent triages", "*checkout-errors*", "#1 ", "●●", "100% right (1 👍, 0 👎)", "*Overall:*",
		"https://slack.com/archives/" + sandboxChannel + "/p" + strings.ReplaceAll(root, ".", ""),
		"ALARM · " + channel + " · ", "• " + channel + ": 100% right"} {
		if !strings.Contains(home, want) {
			t.Errorf("Home tab lacks %q:\n%s", want, home)
		}
	}
	for _, unwanted := range []string{notShown, "could not", "missing_scope", "⚠️"} {
		if strings.Contains(home, unwanted) {
			t.Errorf("Home tab shows %q:\n%s", unwanted, home)
		}
	}
	var infos int
	for _, c := range sb.Calls("") {
		if c.Method == "conversations.info" {
			infos++
		}
	}
	if infos == 0 {
		t.Error("the Home tab did not ask conversations.info for the channel's name")
	}
}
