package slackapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

func (s *Server) chatPostMessage(args url.Values) slackReply {
	ch, reply := s.postableChannel(args.Get("channel"))
	if reply.body != nil {
		return reply
	}
	m := &Message{
		Channel:     ch.ID,
		User:        s.opts.BotUserID,
		BotID:       s.opts.BotID,
		Username:    args.Get("username"),
		Text:        args.Get("text"),
		Attachments: json.RawMessage(args.Get("attachments")),
		ThreadTS:    args.Get("thread_ts"),
	}
	if m.Blocks, reply = s.checkContent(m.Text, args.Get("blocks"), m.Attachments); reply.body != nil {
		return reply
	}
	if m.Metadata, reply = checkMetadata(args.Get("metadata")); reply.body != nil {
		return reply
	}
	st := s.state[ch.ID]
	if m.ThreadTS != "" && st.byTS[m.ThreadTS] == nil {
		return slackErr("thread_not_found")
	}
	if ok, wait := s.takePace(st); !ok {
		return slackRateLimited(wait)
	}
	if m.ThreadTS != "" && slackTrue(args.Get("reply_broadcast")) {
		m.Broadcast = true
		m.Subtype = "thread_broadcast"
	}
	s.storeLocked(ch, m)
	return slackOK(map[string]any{"channel": ch.ID, "ts": m.TS, "message": s.wireMessage(st, m)})
}

// checkMetadata reads message metadata as Slack takes it: empty, or an
// object with an event_type and an object event_payload.
func checkMetadata(raw string) (json.RawMessage, slackReply) {
	if raw == "" {
		return nil, slackReply{}
	}
	var meta struct {
		EventType    string         `json:"event_type"`
		EventPayload map[string]any `json:"event_payload"`
	}
	if err := json.Unmarshal([]byte(raw), &meta); err != nil || meta.EventType == "" || meta.EventPayload == nil {
		return nil, slackErr("invalid_metadata_format")
	}
	return json.RawMessage(raw), slackReply{}
}

// postableChannel resolves channel for a post by the bot.
func (s *Server) postableChannel(channel string) (Channel, slackReply) {
	ch, ok := s.lookupChannel(channel)
	if !ok {
		return ch, slackErr("channel_not_found")
	}
	if ch.BotAbsent {
		return ch, slackErr("not_in_channel")
	}
	return ch, slackReply{}
}

// checkContent enforces what every message method enforces: some content, a
// bounded text, valid blocks and attachments. It returns the blocks as stored.
func (s *Server) checkContent(text, blocks string, attachments json.RawMessage) (json.RawMessage, slackReply) {
	if utf8.RuneCountInString(text) > slackMaxTextChars {
		return nil, slackErr("msg_too_long")
	}
	if len(attachments) > 0 {
		var list []json.RawMessage
		if json.Unmarshal(attachments, &list) != nil {
			return nil, slackErr("invalid_attachments")
		}
	}
	var stored json.RawMessage
	if blocks != "" {
		var reply slackReply
		if stored, reply = s.checkBlocks(blocks, slackMaxMessageBlocks); reply.body != nil {
			return nil, reply
		}
	}
	if text == "" && len(stored) == 0 && len(attachments) == 0 {
		return nil, slackErr("no_text")
	}
	return stored, slackReply{}
}

// checkBlocks validates a blocks argument and returns it as stored: compact,
// every block carrying a block_id (Slack assigns one when the sender did not).
func (s *Server) checkBlocks(blocks string, maxBlocks int) (json.RawMessage, slackReply) {
	list, problems, err := checkSlackBlocks([]byte(blocks), maxBlocks)
	if err != nil {
		return nil, slackErr("invalid_blocks_format")
	}
	if len(problems) > 0 {
		return nil, slackErr("invalid_blocks", problems...)
	}
	if len(list) == 0 {
		return nil, slackReply{}
	}
	assigned := false
	for _, b := range list {
		if _, ok := b["block_id"]; !ok {
			b["block_id"] = fmt.Sprintf("sbx%05d", s.nextID())
			assigned = true
		}
	}
	if !assigned {
		var buf bytes.Buffer
		if json.Compact(&buf, []byte(blocks)) == nil {
			return buf.Bytes(), slackReply{}
		}
	}
	out, err := json.Marshal(list)
	if err != nil {
		return nil, slackErr("invalid_blocks_format")
	}
	return out, slackReply{}
}

// takePace spends one of the channel's chat.postMessage tokens, or says how
// long until the next one.
func (s *Server) takePace(st *slackChannelState) (bool, time.Duration) {
	p := s.pace
	if p.Disabled {
		return true, 0
	}
	// Real elapsed time, not the workspace clock, which may stand still.
	now := time.Now()
	burst := float64(p.Burst)
	if st.refilled.IsZero() {
		st.tokens = burst
	} else {
		st.tokens = min(burst, st.tokens+now.Sub(st.refilled).Seconds()*p.PerSecond)
	}
	st.refilled = now
	if st.tokens >= 1 {
		st.tokens--
		return true, 0
	}
	return false, time.Duration((1 - st.tokens) / p.PerSecond * float64(time.Second))
}

// storeLocked gives m its ts, threads it and delivers the message event.
func (s *Server) storeLocked(ch Channel, m *Message) {
	st := s.state[ch.ID]
	m.Channel = ch.ID
	m.TS = s.nextTS()
	m.Posted = time.Now()
	if m.ThreadTS != "" {
		root := st.byTS[m.ThreadTS]
		if root.IsReply() {
			root = st.byTS[root.ThreadTS]
		}
		m.ThreadTS = root.TS
		root.ThreadTS = root.TS
	}
	st.messages = append(st.messages, m)
	st.byTS[m.TS] = m
	s.notifyLocked()
	s.messageEventLocked(ch, m)
}

func (s *Server) chatUpdate(args url.Values) slackReply {
	ch, ok := s.lookupChannel(args.Get("channel"))
	if !ok {
		return slackErr("channel_not_found")
	}
	st := s.state[ch.ID]
	m := st.byTS[args.Get("ts")]
	if m == nil || m.Deleted {
		return slackErr("message_not_found")
	}
	if m.BotID != s.opts.BotID {
		return slackErr("cant_update_message")
	}
	text, blocks, attachments := args.Get("text"), string(m.Blocks), m.Attachments
	if _, ok := args["blocks"]; ok {
		blocks = args.Get("blocks")
	}
	if _, ok := args["attachments"]; ok {
		attachments = json.RawMessage(args.Get("attachments"))
	}
	stored, reply := s.checkContent(text, blocks, attachments)
	if reply.body != nil {
		return reply
	}
	if raw, ok := args["metadata"]; ok && len(raw) > 0 {
		meta, reply := checkMetadata(raw[0])
		if reply.body != nil {
			return reply
		}
		m.Metadata = meta
	}
	previous := s.wireMessage(st, m)
	m.Edits = append(m.Edits, Revision{Text: m.Text, Blocks: m.Blocks, At: s.opts.Now()})
	m.Text, m.Blocks, m.Attachments = text, stored, attachments
	s.notifyLocked()
	current := s.wireMessage(st, m)
	s.messageChangedLocked(ch, current, previous)
	return slackOK(map[string]any{"channel": ch.ID, "ts": m.TS, "text": m.Text, "message": current})
}

func (s *Server) chatPostEphemeral(args url.Values) slackReply {
	ch, reply := s.postableChannel(args.Get("channel"))
	if reply.body != nil {
		return reply
	}
	user, ok := s.users[args.Get("user")]
	if !ok || user.Deleted {
		return slackErr("user_not_found")
	}
	m := Message{
		Channel:     ch.ID,
		User:        s.opts.BotUserID,
		BotID:       s.opts.BotID,
		Text:        args.Get("text"),
		Attachments: json.RawMessage(args.Get("attachments")),
		ThreadTS:    args.Get("thread_ts"),
		Recipient:   user.ID,
	}
	if m.Blocks, reply = s.checkContent(m.Text, args.Get("blocks"), m.Attachments); reply.body != nil {
		return reply
	}
	m.TS = s.nextTS()
	m.Posted = time.Now()
	st := s.state[ch.ID]
	st.ephemerals = append(st.ephemerals, m)
	return slackOK(map[string]any{"message_ts": m.TS})
}

func (s *Server) chatGetPermalink(args url.Values) slackReply {
	ch, ok := s.lookupChannel(args.Get("channel"))
	if !ok {
		return slackErr("channel_not_found")
	}
	m := s.state[ch.ID].byTS[args.Get("message_ts")]
	if m == nil || m.Deleted {
		return slackErr("message_not_found")
	}
	link := fmt.Sprintf("https://%s.slack.com/archives/%s/p%s", s.opts.TeamDomain, ch.ID, strings.ReplaceAll(m.TS, ".", ""))
	if m.IsReply() {
		link += "?thread_ts=" + m.ThreadTS + "&cid=" + ch.ID
	}
	return slackOK(map[string]any{"channel": ch.ID, "permalink": link})
}
