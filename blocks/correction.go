package blocks

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/trailhound/trailhound/investigation"
)

// maxCorrectionChoices bounds the causes offered after a 👎: reports list a
// few causes, and one actions block holds the buttons.
const maxCorrectionChoices = 10

// CorrectionMenu asks, after a 👎 on cause wrongRank, which of the other
// ranked causes was the right one. Each choice carries the artifact and
// the chosen rank back (ActionCorrectCause).
func CorrectionMenu(rep investigation.Report, wrongRank int) Message {
	var b builder
	b.section("correction-head", fmt.Sprintf("👎 Thanks: recorded that cause #%d was not it.\n*Was one of the others the cause?* Your answer is saved as a replayable scenario, so the ranking can be checked against it.", wrongRank))
	artifact := validArtifact(rep.ArtifactID)
	var lines []string
	var buttons []*slack.ButtonBlockElement
	for _, c := range rep.Candidates {
		if c.Rank == wrongRank || c.Rank <= 0 || len(buttons) == maxCorrectionChoices {
			continue
		}
		lines = append(lines, fmt.Sprintf("*#%d* %s", c.Rank, dataLine(Headline(c), 200)))
		buttons = append(buttons, valueButton(actionID(ActionCorrectCause, c.Rank), fmt.Sprintf("#%d was the cause", c.Rank), ActionValue{Artifact: artifact, Rank: c.Rank}, ""))
	}
	if len(buttons) == 0 {
		b.context("correction-none", "The report ranked no other cause to choose from.")
		return b.message(fmt.Sprintf("Recorded that cause #%d was not it.", wrongRank))
	}
	b.section("correction-choices", strings.Join(lines, "\n"))
	b.actions("correction-actions", buttons...)
	return b.message(fmt.Sprintf("Recorded that cause #%d was not it. Was one of the others the cause?", wrongRank))
}
