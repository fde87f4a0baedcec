package slackapi

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// readableChannel resolves channel for a read by the bot.
func (s *Server) readableChannel(channel string) (*slackChannelState, slackReply) {
	ch, ok := s.lookupChannel(channel)
	if !ok {
		return nil, slackErr("channel_not_found")
	}
	if ch.BotAbsent {
		return nil, slackErr("not_in_channel")
	}
	return s.state[ch.ID], slackReply{}
}

func (s *Server) conversationsHistory(args url.Values) slackReply {
	st, reply := s.readableChannel(args.Get("channel"))
	if reply.body != nil {
		return reply
	}
	var visible []*Message
	for _, m := range slices.Backward(st.messages) {
		if !m.Deleted && (!m.IsReply() || m.Broadcast) {
			visible = append(visible, m)
		}
	}
	page, next, reply := slackPage(visible, args, 100, func(m *Message, cursor string) bool { return m.TS <= cursor })
	if reply.body != nil {
		return reply
	}
	return s.pageReply(st, page, next, slackTrue(args.Get("include_all_metadata")))
}

func (s *Server) conversationsReplies(args url.Values) slackReply {
	st, reply := s.readableChannel(args.Get("channel"))
	if reply.body != nil {
		return reply
	}
	root := st.byTS[args.Get("ts")]
	if root == nil || root.Deleted {
		return slackErr("thread_not_found")
	}
	if root.IsReply() {
		root = st.byTS[root.ThreadTS]
	}
	thread := []*Message{root}
	for _, m := range st.messages {
		if m.IsReply() && m.ThreadTS == root.TS && !m.Deleted {
			thread = append(thread, m)
		}
	}
	page, next, reply := slackPage(thread, args, 1000, func(m *Message, cursor string) bool { return m.TS >= cursor })
	if reply.body != nil {
		return reply
	}
	return s.pageReply(st, page, next, slackTrue(args.Get("include_all_metadata")))
}

// slackPage applies oldest, latest, inclusive, limit and cursor to messages
// already in the order the method returns them. A cursor names the ts the next
// page starts at; after says whether a message lies at or past it.
func slackPage(list []*Message, args url.Values, defaultLimit int, after func(*Message, string) bool) ([]*Message, string, slackReply) {
	limit := defaultLimit
	if v := args.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, "", slackErr("invalid_limit")
		}
		if n > 0 {
			limit = min(n, 999)
		}
	}
	oldest, latest := args.Get("oldest"), args.Get("latest")
	inclusive := slackTrue(args.Get("inclusive"))
	var cursor string
	if c := args.Get("cursor"); c != "" {
		raw, err := base64.StdEncoding.DecodeString(c)
		if err != nil || !strings.HasPrefix(string(raw), "next_ts:") {
			return nil, "", slackErr("invalid_cursor")
		}
		cursor = strings.TrimPrefix(string(raw), "next_ts:")
	}
	var out []*Message
	for _, m := range list {
		if cursor != "" && !after(m, cursor) {
			continue
		}
		if oldest != "" && (m.TS < oldest || (!inclusive && m.TS == oldest)) {
			continue
		}
		if latest != "" && (m.TS > latest || (!inclusive && m.TS == latest)) {
			continue
		}
		if len(out) == limit {
			return out, base64.StdEncoding.EncodeToString([]byte("next_ts:" + m.TS)), slackReply{}
		}
		out = append(out, m)
	}
	return out, "", slackReply{}
}

func (s *Server) pageReply(st *slackChannelState, page []*Message, next string, withMetadata bool) slackReply {
	wire := make([]map[string]any, len(page))
	for i, m := range page {
		wire[i] = s.wireMessage(st, m)
		if withMetadata && len(m.Metadata) > 0 {
			wire[i]["metadata"] = m.Metadata
		}
	}
	return slackOK(map[string]any{
		"messages":          wire,
		"has_more":          next != "",
		"response_metadata": map[string]any{"next_cursor": next},
	})
}

func (s *Server) usersInfo(args url.Values) slackReply {
	u, ok := s.users[args.Get("user")]
	if !ok {
		return slackErr("user_not_found")
	}
	return slackOK(map[string]any{"user": s.wireUser(u)})
}

func (s *Server) wireUser(u User) map[string]any {
	display := u.DisplayName
	if display == "" {
		display = u.Name
	}
	profile := map[string]any{
		"real_name":               u.RealName,
		"real_name_normalized":    u.RealName,
		"display_name":            display,
		"display_name_normalized": display,
		"team":                    s.opts.TeamID,
	}
	if u.Email != "" {
		profile["email"] = u.Email
	}
	if u.IsBot {
		profile["bot_id"] = s.opts.BotID
		profile["api_app_id"] = s.opts.AppID
	}
	out := map[string]any{
		"id":        u.ID,
		"team_id":   s.opts.TeamID,
		"name":      u.Name,
		"real_name": u.RealName,
		"deleted":   u.Deleted,
		"is_bot":    u.IsBot,
		"is_admin":  false,
		"profile":   profile,
		"updated":   s.opts.Now().Unix(),
		"locale":    "en-US",
	}
	if u.Location != nil {
		abbrev, offset := s.opts.Now().In(u.Location).Zone()
		label := u.TZLabel
		if label == "" {
			label = abbrev
		}
		out["tz"] = u.Location.String()
		out["tz_label"] = label
		out["tz_offset"] = offset
	}
	return out
}

func (s *Server) reactionsAdd(args url.Values) slackReply {
	name := args.Get("name")
	if args.Get("channel") == "" || args.Get("timestamp") == "" {
		return slackErr("no_item_specified")
	}
	if name == "" || strings.ContainsAny(name, ": ") {
		return slackErr("invalid_name")
	}
	ch, ok := s.lookupChannel(args.Get("channel"))
	if !ok {
		return slackErr("channel_not_found")
	}
	m := s.state[ch.ID].byTS[args.Get("timestamp")]
	if m == nil || m.Deleted {
		return slackErr("message_not_found")
	}
	for i, r := range m.Reactions {
		if r.Name != name {
			continue
		}
		if slices.Contains(r.Users, s.opts.BotUserID) {
			return slackErr("already_reacted")
		}
		m.Reactions[i].Users = append(m.Reactions[i].Users, s.opts.BotUserID)
		return slackOK(nil)
	}
	m.Reactions = append(m.Reactions, Reaction{Name: name, Users: []string{s.opts.BotUserID}})
	return slackOK(nil)
}

func (s *Server) viewsOpen(args url.Values) slackReply {
	issued, ok := s.triggers[args.Get("trigger_id")]
	if !ok {
		return slackErr("invalid_trigger_id")
	}
	delete(s.triggers, args.Get("trigger_id"))
	if time.Since(issued) > slackTriggerTTL {
		return slackErr("expired_trigger_id")
	}
	var view map[string]json.RawMessage
	if json.Unmarshal([]byte(args.Get("view")), &view) != nil {
		return slackErr("invalid_arguments", "view must be a JSON object [json-pointer:/view]")
	}
	var kind string
	if json.Unmarshal(view["type"], &kind) != nil || kind != "modal" {
		return slackErr("invalid_arguments", "must be \"modal\" [json-pointer:/view/type]")
	}
	var title struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(view["title"], &title) != nil || title.Type != "plain_text" || title.Text == "" {
		return slackErr("invalid_arguments", "must be a plain_text object [json-pointer:/view/title]")
	}
	if utf8.RuneCountInString(title.Text) > slackMaxModalTitle {
		return slackErr("invalid_arguments", fmt.Sprintf("must be at most %d characters [json-pointer:/view/title/text]", slackMaxModalTitle))
	}
	blocks, reply := s.checkBlocks(string(view["blocks"]), slackMaxModalBlocks)
	if reply.body != nil {
		return reply
	}
	view["blocks"] = blocks
	view["id"], _ = json.Marshal(fmt.Sprintf("V%08d", s.nextID()))
	view["team_id"], _ = json.Marshal(s.opts.TeamID)
	view["app_id"], _ = json.Marshal(s.opts.AppID)
	return slackOK(map[string]any{"view": view})
}

// wireMessage is m as the Web API and the Events API show it.
func (s *Server) wireMessage(st *slackChannelState, m *Message) map[string]any {
	out := map[string]any{"type": "message", "ts": m.TS, "text": m.Text}
	set := func(k, v string) {
		if v != "" {
			out[k] = v
		}
	}
	set("user", m.User)
	set("bot_id", m.BotID)
	set("username", m.Username)
	set("subtype", m.Subtype)
	set("thread_ts", m.ThreadTS)
	if m.User != "" {
		out["team"] = s.opts.TeamID
	}
	if len(m.Blocks) > 0 {
		out["blocks"] = m.Blocks
	}
	if len(m.Attachments) > 0 {
		out["attachments"] = m.Attachments
	}
	if len(m.Files) > 0 {
		out["files"] = wireFiles(m.Files)
	}
	if m.BotID == s.opts.BotID {
		out["app_id"] = s.opts.AppID
		out["bot_profile"] = map[string]any{
			"id": s.opts.BotID, "app_id": s.opts.AppID, "name": s.opts.BotName,
			"team_id": s.opts.TeamID, "deleted": false,
		}
	}
	if len(m.Edits) > 0 {
		last := m.Edits[len(m.Edits)-1].At
		out["edited"] = map[string]any{"user": m.User, "ts": fmt.Sprintf("%d.%06d", last.Unix(), last.Nanosecond()/1000)}
	}
	if len(m.Reactions) > 0 {
		var rs []map[string]any
		for _, r := range m.Reactions {
			rs = append(rs, map[string]any{"name": r.Name, "users": r.Users, "count": len(r.Users)})
		}
		out["reactions"] = rs
	}
	if m.IsReply() {
		if root := st.byTS[m.ThreadTS]; root != nil {
			set("parent_user_id", root.User)
		}
		return out
	}
	var count int
	var users []string
	var latest string
	for _, r := range st.messages {
		if r.IsReply() && r.ThreadTS == m.TS && !r.Deleted {
			count++
			latest = r.TS
			if who := cmp.Or(r.User, r.BotID); !slices.Contains(users, who) {
				users = append(users, who)
			}
		}
	}
	if count > 0 {
		out["reply_count"] = count
		out["reply_users"] = users
		out["reply_users_count"] = len(users)
		out["latest_reply"] = latest
	}
	return out
}
