package slackapi

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	// slackMaxBody bounds a Web API request body; Slack refuses far smaller
	// messages long before this.
	slackMaxBody = 4 << 20
	// slackMaxTextChars is the longest top-level text chat.postMessage takes.
	slackMaxTextChars = 40000
	// slackTriggerTTL is how long a trigger_id can open a view.
	slackTriggerTTL = 3 * time.Second
	// slackMaxModalBlocks is the block limit of a modal view.
	slackMaxModalBlocks = 100
	// slackMaxModalTitle is the longest modal title.
	slackMaxModalTitle = 24
)

// slackReply is a Web API answer: the HTTP status, Retry-After for a 429, and
// the JSON body.
type slackReply struct {
	status     int
	retryAfter time.Duration
	body       map[string]any
}

func slackOK(fields map[string]any) slackReply {
	body := map[string]any{"ok": true}
	for k, v := range fields {
		body[k] = v
	}
	return slackReply{status: http.StatusOK, body: body}
}

// slackErr answers ok:false with code; messages, when given, are reported the
// way Slack reports invalid blocks: in errors and in response_metadata.
func slackErr(code string, messages ...string) slackReply {
	body := map[string]any{"ok": false, "error": code}
	if len(messages) > 0 {
		meta := make([]string, len(messages))
		for i, m := range messages {
			meta[i] = "[ERROR] " + m
		}
		body["errors"] = messages
		body["response_metadata"] = map[string]any{"messages": meta}
	}
	return slackReply{status: http.StatusOK, body: body}
}

func slackRateLimited(retryAfter time.Duration) slackReply {
	return slackReply{
		status:     http.StatusTooManyRequests,
		retryAfter: retryAfter,
		body:       map[string]any{"ok": false, "error": "ratelimited"},
	}
}

type slackMethod func(s *Server, args url.Values) slackReply

// slackMethods are the Web API methods the workspace answers; each runs with
// s.mu held.
var slackMethods = map[string]slackMethod{
	"auth.test":             (*Server).authTest,
	"apps.connections.open": (*Server).appsConnectionsOpen,
	"chat.postMessage":      (*Server).chatPostMessage,
	"chat.update":           (*Server).chatUpdate,
	"chat.postEphemeral":    (*Server).chatPostEphemeral,
	"chat.getPermalink":     (*Server).chatGetPermalink,
	"conversations.history": (*Server).conversationsHistory,
	"conversations.replies": (*Server).conversationsReplies,
	"users.info":            (*Server).usersInfo,
	"reactions.add":         (*Server).reactionsAdd,
	"views.open":            (*Server).viewsOpen,
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, method string) {
	started := time.Now()
	args, token, parseErr := slackReadArgs(w, r)
	if !s.delay(r, method) {
		return
	}

	s.mu.Lock()
	var reply slackReply
	handler, known := slackMethods[method]
	switch {
	case parseErr != nil:
		reply = slackErr(parseErr.Error())
	case !known:
		reply = slackErr("unknown_method")
	default:
		reply = s.authorize(method, token)
		if reply.body == nil {
			reply = s.takeFault(method)
		}
		if reply.body == nil {
			reply = handler(s, args)
		}
	}
	code, _ := reply.body["error"].(string)
	s.calls = append(s.calls, Call{Method: method, Args: args, At: started, Status: reply.status, Error: code})
	s.notifyLocked()
	s.mu.Unlock()
	writeSlackReply(w, reply)
}

// delay holds the answer for the latency set on method; false when the
// request or the workspace ended meanwhile.
func (s *Server) delay(r *http.Request, method string) bool {
	s.mu.Lock()
	d, ok := s.latency[method]
	if !ok {
		d = s.latency[""]
	}
	s.mu.Unlock()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.ctx.Done():
	}
	return false
}

func writeSlackReply(w http.ResponseWriter, reply slackReply) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if reply.status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(reply.retryAfter.Seconds()))))
	}
	w.WriteHeader(reply.status)
	_ = json.NewEncoder(w).Encode(reply.body)
}

// slackReadArgs gathers the arguments the way Slack accepts them: query
// string, url-encoded or multipart form, or a JSON object (whose non-string
// values are kept as JSON text, so blocks read the same either way). The token
// comes from the Authorization header or, failing that, a token argument.
func slackReadArgs(w http.ResponseWriter, r *http.Request) (url.Values, string, error) {
	args := cloneValues(r.URL.Query())
	if r.Method != http.MethodGet && r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, slackMaxBody)
		ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch ctype {
		case "application/json":
			if err := slackReadJSONArgs(r.Body, args); err != nil {
				return args, "", err
			}
		case "multipart/form-data":
			if err := r.ParseMultipartForm(slackMaxBody); err != nil {
				return args, "", errors.New("invalid_form_data")
			}
			for k, vs := range r.MultipartForm.Value {
				args[k] = vs
			}
		default:
			if err := r.ParseForm(); err != nil {
				return args, "", errors.New("invalid_form_data")
			}
			for k, vs := range r.PostForm {
				args[k] = vs
			}
		}
	}
	token := args.Get("token")
	args.Del("token")
	if h := r.Header.Get("Authorization"); h != "" {
		token = strings.TrimPrefix(h, "Bearer ")
	}
	return args, token, nil
}

func slackReadJSONArgs(body io.Reader, args url.Values) error {
	data, err := io.ReadAll(body)
	if err != nil {
		return errors.New("invalid_json")
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return errors.New("invalid_json")
	}
	for k, raw := range obj {
		var str string
		switch {
		case json.Unmarshal(raw, &str) == nil:
			args.Set(k, str)
		case string(raw) == "null":
		default:
			args.Set(k, string(raw))
		}
	}
	return nil
}

// authorize checks the token against the one the method wants: the app-level
// token for apps.connections.open, the bot token for everything else.
func (s *Server) authorize(method, token string) slackReply {
	want, other := s.opts.BotToken, s.opts.AppToken
	if method == "apps.connections.open" {
		want, other = other, want
	}
	switch token {
	case "":
		return slackErr("not_authed")
	case want:
		return slackReply{}
	case other:
		return slackErr("not_allowed_token_type")
	default:
		return slackErr("invalid_auth")
	}
}

// takeFault pops the next forced fault of method, if any.
func (s *Server) takeFault(method string) slackReply {
	queue := s.faults[method]
	if len(queue) == 0 {
		return slackReply{}
	}
	f := queue[0]
	s.faults[method] = queue[1:]
	if f.retryAfter > 0 {
		return slackRateLimited(f.retryAfter)
	}
	return slackErr(f.code)
}

func (s *Server) authTest(url.Values) slackReply {
	return slackOK(map[string]any{
		"url":                   "https://" + s.opts.TeamDomain + ".slack.com/",
		"team":                  s.opts.TeamName,
		"user":                  s.opts.BotName,
		"team_id":               s.opts.TeamID,
		"user_id":               s.opts.BotUserID,
		"bot_id":                s.opts.BotID,
		"is_enterprise_install": false,
	})
}

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
	return s.pageReply(st, page, next)
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
	return s.pageReply(st, page, next)
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

func (s *Server) pageReply(st *slackChannelState, page []*Message, next string) slackReply {
	wire := make([]map[string]any, len(page))
	for i, m := range page {
		wire[i] = s.wireMessage(st, m)
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

func slackTrue(v string) bool { return v == "true" || v == "1" }

// serveResponseURL answers a post to the response_url of a slash command or
// an interaction: an ephemeral answer to the user by default, an in_channel
// one, or a replacement or deletion of the message the interaction came from.
func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request, id string) {
	var body struct {
		Text            string          `json:"text"`
		Blocks          json.RawMessage `json:"blocks"`
		ResponseType    string          `json:"response_type"`
		ThreadTS        string          `json:"thread_ts"`
		ReplaceOriginal bool            `json:"replace_original"`
		DeleteOriginal  bool            `json:"delete_original"`
	}
	started := time.Now()
	decodeErr := json.NewDecoder(http.MaxBytesReader(w, r.Body, slackMaxBody)).Decode(&body)

	s.mu.Lock()
	target, ok := s.replies[id]
	var reply slackReply
	switch {
	case !ok:
		reply = slackErr("expired_url")
		reply.status = http.StatusNotFound
	case decodeErr != nil:
		reply = slackErr("invalid_json")
		reply.status = http.StatusBadRequest
	default:
		reply = s.respond(target, body.Text, body.Blocks, body.ResponseType, body.ThreadTS, body.ReplaceOriginal, body.DeleteOriginal)
	}
	code, _ := reply.body["error"].(string)
	args := url.Values{"text": {body.Text}, "response_type": {body.ResponseType}}
	if len(body.Blocks) > 0 {
		args.Set("blocks", string(body.Blocks))
	}
	s.calls = append(s.calls, Call{Method: "response_url", Args: args, At: started, Status: reply.status, Error: code})
	s.notifyLocked()
	s.mu.Unlock()
	writeSlackReply(w, reply)
}

// respond applies an answer to a command or interaction, from a response_url
// post or an ack payload; s.mu must be held.
func (s *Server) respond(target slackResponseTarget, text string, blocks json.RawMessage, responseType, threadTS string, replace, remove bool) slackReply {
	ch, _ := s.lookupChannel(target.channel)
	st := s.state[ch.ID]
	if remove || replace {
		m := st.byTS[target.messageTS]
		if m == nil || m.Deleted {
			return slackErr("message_not_found")
		}
		if remove {
			m.Deleted = true
			s.notifyLocked()
			return slackOK(nil)
		}
	}
	m := &Message{User: s.opts.BotUserID, BotID: s.opts.BotID, Text: text, ThreadTS: threadTS}
	var raw string
	if len(blocks) > 0 && string(blocks) != "null" {
		raw = string(blocks)
	}
	var reply slackReply
	if m.Blocks, reply = s.checkContent(text, raw, nil); reply.body != nil {
		return reply
	}
	switch {
	case replace:
		orig := st.byTS[target.messageTS]
		previous := s.wireMessage(st, orig)
		orig.Edits = append(orig.Edits, Revision{Text: orig.Text, Blocks: orig.Blocks, At: s.opts.Now()})
		orig.Text, orig.Blocks = m.Text, m.Blocks
		s.notifyLocked()
		s.messageChangedLocked(ch, s.wireMessage(st, orig), previous)
	case responseType == "in_channel":
		if m.ThreadTS != "" && st.byTS[m.ThreadTS] == nil {
			return slackErr("thread_not_found")
		}
		s.storeLocked(ch, m)
	default:
		m.Channel, m.Recipient = ch.ID, target.user
		m.TS = s.nextTS()
		m.Posted = time.Now()
		st.ephemerals = append(st.ephemerals, *m)
		s.notifyLocked()
	}
	return slackOK(nil)
}
