// Package slackapi emulates the Slack workspace Trailhound talks to: the Web
// API methods it calls, the Socket Mode WebSocket, Block Kit's limits and
// interaction payloads, speaking Slack's wire protocols with net/http and
// gorilla/websocket only, so that the unmodified slack-go client runs
// against it in the demo and the end-to-end tests.
package slackapi
