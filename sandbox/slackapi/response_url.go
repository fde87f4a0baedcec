package slackapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

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
