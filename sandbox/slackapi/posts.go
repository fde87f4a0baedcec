package slackapi

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Post is a message posted by someone other than the app: a user, or an
// integration such as an e-mail app or AWS Chatbot.
type Post struct {
	Channel  string
	ThreadTS string // reply in this thread
	User     string // the author, a workspace user; empty for an integration
	BotID    string // the integration's bot; its message has subtype bot_message
	Username string // the integration's display name
	Text     string
	Blocks   json.RawMessage
	// Attachments are legacy attachments (raw JSON array), as integrations
	// still send them.
	Attachments json.RawMessage
}

// Post stores p in its channel and delivers the message event (and an
// app_mention when it mentions the bot). It returns the message ts.
func (s *Server) Post(p Post) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.lookupChannel(p.Channel)
	if !ok {
		return "", fmt.Errorf("sandbox slack: post: no channel %q", p.Channel)
	}
	m := &Message{ThreadTS: p.ThreadTS, Username: p.Username, Text: p.Text, Attachments: p.Attachments}
	switch {
	case (p.User == "") == (p.BotID == ""):
		return "", errors.New("sandbox slack: post: set exactly one of User and BotID")
	case p.BotID == s.opts.BotID:
		return "", errors.New("sandbox slack: post: the app's own bot posts through the Web API")
	case p.BotID != "":
		m.BotID, m.Subtype = p.BotID, "bot_message"
	default:
		u, ok := s.users[p.User]
		if !ok || u.IsBot {
			return "", fmt.Errorf("sandbox slack: post: no user %q", p.User)
		}
		m.User = u.ID
	}
	if p.ThreadTS != "" && s.state[ch.ID].byTS[p.ThreadTS] == nil {
		return "", fmt.Errorf("sandbox slack: post: no message %s in %s to reply to", p.ThreadTS, p.Channel)
	}
	var reply slackReply
	if m.Blocks, reply = s.checkContent(m.Text, string(p.Blocks), m.Attachments); reply.body != nil {
		return "", fmt.Errorf("sandbox slack: post: %s %v", reply.body["error"], reply.body["errors"])
	}
	s.storeLocked(ch, m)
	return m.TS, nil
}

// PostAsUser posts text in channel as user.
func (s *Server) PostAsUser(channel, user, text string) (string, error) {
	return s.Post(Post{Channel: channel, User: user, Text: text})
}

// PostAsBot posts text in channel as an integration's bot (an e-mail app, AWS
// Chatbot): the event carries bot_id and subtype bot_message.
func (s *Server) PostAsBot(channel, botID, username, text string) (string, error) {
	return s.Post(Post{Channel: channel, BotID: botID, Username: username, Text: text})
}

// SlashCommand delivers the workspace's slash command, typed by user in
// channel with text, and returns its trigger_id.
func (s *Server) SlashCommand(channel, user, text string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.lookupChannel(channel)
	if !ok {
		return "", fmt.Errorf("sandbox slack: slash command: no channel %q", channel)
	}
	u, ok := s.users[user]
	if !ok || u.IsBot {
		return "", fmt.Errorf("sandbox slack: slash command: no user %q", user)
	}
	target := slackResponseTarget{channel: ch.ID, user: u.ID}
	trigger := s.newTriggerLocked()
	payload := map[string]any{
		"token":                 "sandbox-verification-token",
		"team_id":               s.opts.TeamID,
		"team_domain":           s.opts.TeamDomain,
		"channel_id":            ch.ID,
		"channel_name":          ch.Name,
		"user_id":               u.ID,
		"user_name":             u.Name,
		"command":               s.opts.Command,
		"text":                  text,
		"api_app_id":            s.opts.AppID,
		"is_enterprise_install": false,
		"response_url":          s.newResponseURLLocked(target),
		"trigger_id":            trigger,
	}
	s.enqueueLocked(&slackEnvelope{
		kind: slackSlashCommands, ref: trigger, payload: mustMarshalSlack(payload),
		acceptsResponse: true, target: target,
	})
	return trigger, nil
}

// ClickButton delivers the block_actions interaction of user clicking the
// element with actionID (and value, when not empty) in the message messageTS,
// an ephemeral one of the user's included. It returns the trigger_id.
func (s *Server) ClickButton(channel, user, messageTS, actionID, value string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.lookupChannel(channel)
	if !ok {
		return "", fmt.Errorf("sandbox slack: click: no channel %q", channel)
	}
	u, ok := s.users[user]
	if !ok || u.IsBot {
		return "", fmt.Errorf("sandbox slack: click: no user %q", user)
	}
	st := s.state[ch.ID]
	m, ephemeral := st.byTS[messageTS], false
	if m == nil {
		for i := range st.ephemerals {
			if e := &st.ephemerals[i]; e.TS == messageTS && e.Recipient == u.ID {
				m, ephemeral = e, true
			}
		}
	}
	if m == nil || m.Deleted {
		return "", fmt.Errorf("sandbox slack: click: no message %s in %s", messageTS, channel)
	}
	action, err := slackFindAction(m.Blocks, actionID, value)
	if err != nil {
		return "", fmt.Errorf("sandbox slack: click in message %s: %w", messageTS, err)
	}
	now := s.opts.Now()
	action["action_ts"] = fmt.Sprintf("%d.%06d", now.Unix(), now.Nanosecond()/1000)
	target := slackResponseTarget{channel: ch.ID, user: u.ID, messageTS: m.TS}
	trigger := s.newTriggerLocked()
	container := map[string]any{"type": "message", "message_ts": m.TS, "channel_id": ch.ID, "is_ephemeral": ephemeral}
	if m.ThreadTS != "" {
		container["thread_ts"] = m.ThreadTS
	}
	payload := map[string]any{
		"type":                  "block_actions",
		"token":                 "sandbox-verification-token",
		"api_app_id":            s.opts.AppID,
		"trigger_id":            trigger,
		"response_url":          s.newResponseURLLocked(target),
		"user":                  map[string]any{"id": u.ID, "username": u.Name, "name": u.Name, "team_id": s.opts.TeamID},
		"team":                  map[string]any{"id": s.opts.TeamID, "domain": s.opts.TeamDomain},
		"enterprise":            nil,
		"is_enterprise_install": false,
		"container":             container,
		"channel":               map[string]any{"id": ch.ID, "name": ch.Name},
		"state":                 map[string]any{"values": map[string]any{}},
		"actions":               []map[string]any{action},
	}
	if !ephemeral {
		payload["message"] = s.wireMessage(st, m)
	}
	s.enqueueLocked(&slackEnvelope{kind: slackInteractive, ref: trigger, payload: mustMarshalSlack(payload), target: target})
	return trigger, nil
}

// slackFindAction finds the one interactive element with actionID (and
// value) in blocks and describes it the way a block_actions payload does.
func slackFindAction(blocks json.RawMessage, actionID, value string) (map[string]any, error) {
	var list []map[string]any
	if len(blocks) > 0 {
		if err := json.Unmarshal(blocks, &list); err != nil {
			return nil, fmt.Errorf("decode blocks: %w", err)
		}
	}
	var found []map[string]any
	for _, b := range list {
		var elements []any
		if els, ok := b["elements"].([]any); ok && b["type"] == "actions" {
			elements = els
		}
		if acc, ok := b["accessory"]; ok {
			elements = append(elements, acc)
		}
		for _, e := range elements {
			el, ok := e.(map[string]any)
			if !ok || el["action_id"] != actionID || (value != "" && el["value"] != value) {
				continue
			}
			action := map[string]any{"type": el["type"], "action_id": actionID, "block_id": b["block_id"]}
			for _, k := range []string{"text", "value", "url", "style"} {
				if v, ok := el[k]; ok {
					action[k] = v
				}
			}
			found = append(found, action)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("no element with action_id %q and value %q", actionID, value)
	case 1:
		return found[0], nil
	default:
		return nil, fmt.Errorf("%d elements with action_id %q and value %q: give the value", len(found), actionID, value)
	}
}

func (s *Server) newTriggerLocked() string {
	id := fmt.Sprintf("%d.%d.%s", s.nextID(), s.opts.Now().Unix(), slackRandomHex(8))
	s.triggers[id] = time.Now()
	return id
}

func (s *Server) newResponseURLLocked(target slackResponseTarget) string {
	id := slackRandomHex(12)
	s.replies[id] = target
	return s.baseURL + "/response/" + id
}

func slackRandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// slackUUID is a random version 4 UUID, the shape of Slack's envelope ids.
func slackUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// mustMarshalSlack encodes frames built from maps of strings, numbers and raw
// JSON, which cannot fail to encode.
func mustMarshalSlack(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Appendf(nil, `{"type":"error","error":%q}`, err.Error())
	}
	return data
}
