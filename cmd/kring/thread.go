package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"kring/content"
	"kring/federation"
	"kring/storage"
)

// threadConfig is what the `kring thread` commands need. Each command
// fills the part it uses.
type threadConfig struct {
	actingConfig
	Forum  string
	Title  string
	Text   string
	File   string
	Tags   []string
	To     string   // reply: the object replied to
	Reason string   // moderation: why, for the log and the Group's activity
	Args   []string // the positional IRIs, as the command's ArgsUsage names them
}

func forumFlag(usage string) cli.Flag {
	return &cli.StringFlag{Name: "forum", Usage: usage, EnvVars: []string{"KRING_FORUM"}}
}

func reasonFlag() cli.Flag {
	return &cli.StringFlag{Name: "reason", Usage: "why, for the moderation log and the forum's followers", EnvVars: []string{"KRING_MOD_REASON"}}
}

// memberFlags are the flags of commands that act for a member on this node
// only; actingFlags adds --resolve for those that may reach other servers.
func memberFlags() []cli.Flag {
	return append(commonFlags(), &cli.StringFlag{Name: "as", Usage: "the member to act for", EnvVars: []string{"KRING_AS"}})
}

func threadTextFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "text", Usage: "the text, in Markdown", EnvVars: []string{"KRING_THREAD_TEXT"}},
		&cli.StringFlag{Name: "file", Usage: "read the text from FILE (- for standard input)", EnvVars: []string{"KRING_THREAD_FILE"}},
	}
}

func threadCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:  "thread",
		Usage: "start, reply to, list and moderate forum threads; a running kring serve delivers what they send",
		Subcommands: []*cli.Command{
			{
				Name:      "new",
				Usage:     "start a thread in a forum as a member",
				UsageText: "kring thread new --as NAME --forum FORUM --title TITLE (--text TEXT | --file FILE) [--tags T] [--data DIR]",
				Flags: append(append(actingFlags(), forumFlag("the forum to start the thread in"),
					&cli.StringFlag{Name: "title", Usage: "the thread's title (its question)", EnvVars: []string{"KRING_THREAD_TITLE"}},
					&cli.StringFlag{Name: "tags", Usage: "extra hashtags, separated by commas or spaces", EnvVars: []string{"KRING_THREAD_TAGS"}}),
					threadTextFlags()...),
				Action: threadAction(s, nil, runThreadNew),
			},
			{
				Name:      "reply",
				Usage:     "reply as a member to a thread or a reply held here, also one of a forum elsewhere",
				UsageText: "kring thread reply --as NAME --to IRI (--text TEXT | --file FILE) [--data DIR]",
				Flags: append(append(actingFlags(),
					&cli.StringFlag{Name: "to", Usage: "the id of the thread or reply to answer", EnvVars: []string{"KRING_REPLY_TO"}}),
					threadTextFlags()...),
				Action: threadAction(s, nil, runThreadReply),
			},
			{
				Name:      "edit",
				Usage:     "change a member's own question or reply; the forum's followers get the new version",
				UsageText: "kring thread edit --as NAME IRI (--text TEXT | --file FILE) [--title TITLE] [--data DIR]",
				ArgsUsage: "IRI",
				Flags: append(append(actingFlags(),
					&cli.StringFlag{Name: "title", Usage: "a question's new title (default: unchanged)", EnvVars: []string{"KRING_THREAD_TITLE"}}),
					threadTextFlags()...),
				Action: threadAction(s, []string{"IRI"}, runThreadEdit),
			},
			{
				Name:      "list",
				Usage:     "list a forum's threads: pinned first, then by last activity",
				UsageText: "kring thread list --forum FORUM [--data DIR]",
				Flags:     append(commonFlags(), forumFlag("the forum whose threads to list")),
				Action:    threadListAction(s),
			},
			threadModCommand(s, content.ModLock, "close a thread to new replies"),
			threadModCommand(s, content.ModUnlock, "reopen a locked thread"),
			threadModCommand(s, content.ModPin, "pin a thread at the top of its forum"),
			threadModCommand(s, content.ModUnpin, "unpin a thread"),
			{
				Name:      "answer",
				Usage:     "mark a reply as the answer to a thread's question (the thread's author or a moderator)",
				UsageText: "kring thread answer --as NAME THREAD_IRI REPLY_IRI [--data DIR]",
				ArgsUsage: "THREAD_IRI REPLY_IRI",
				Flags:     memberFlags(),
				Action:    threadAction(s, []string{"THREAD_IRI", "REPLY_IRI"}, runThreadAnswer),
			},
		},
	}
}

// threadModCommand is one of the moderator's thread commands, named after
// its action in the moderation log.
func threadModCommand(s streams, action content.ModAction, usage string) *cli.Command {
	name := string(action)
	return &cli.Command{
		Name:      name,
		Usage:     usage + " (a moderator of its forum); the forum's followers are told",
		UsageText: "kring thread " + name + " --as MODERATOR THREAD_IRI [--reason R] [--data DIR]",
		ArgsUsage: "THREAD_IRI",
		Flags:     append(memberFlags(), reasonFlag()),
		Action: threadAction(s, []string{"THREAD_IRI"}, func(ctx context.Context, cfg threadConfig, s streams) error {
			return runThreadModerate(ctx, cfg, action, s)
		}),
	}
}

// threadAction reads the flags the thread commands share, and args as the
// positional arguments, then runs fn.
func threadAction(s streams, args []string, fn func(context.Context, threadConfig, streams) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		var values []string
		var err error
		if len(args) > 0 {
			values, err = needArgs(c, args...)
		} else {
			err = noArgs(c)
		}
		if err != nil {
			return err
		}
		acting, err := actingConfigFrom(c)
		if err != nil {
			return err
		}
		cfg := threadConfig{actingConfig: acting, Forum: c.String("forum"), Title: c.String("title"), Text: c.String("text"),
			File: c.String("file"), To: c.String("to"), Reason: c.String("reason"), Args: values,
			Tags: strings.FieldsFunc(c.String("tags"), func(r rune) bool { return r == ',' || r == ' ' || r == '#' })}
		if err := checkThreadFlags(c, cfg); err != nil {
			return err
		}
		return fn(c.Context, cfg, s)
	}
}

// checkThreadFlags refuses a command line that lacks what its command
// needs, before anything is opened.
func checkThreadFlags(c *cli.Context, cfg threadConfig) error {
	name := c.Command.Name
	switch {
	case name == "new" && cfg.Forum == "":
		return usageError(c, "--forum is missing: name the forum to start the thread in")
	case name == "new" && strings.TrimSpace(cfg.Title) == "":
		return usageError(c, "--title is missing: a thread needs its title")
	case name == "reply" && cfg.To == "":
		return usageError(c, "--to is missing: give the id of the thread or reply to answer")
	}
	if (name == "new" || name == "reply" || name == "edit") && (cfg.Text == "") == (cfg.File == "") {
		return usageError(c, "give the text as --text TEXT or --file FILE, not both")
	}
	return nil
}

func threadListAction(s streams) cli.ActionFunc {
	return func(c *cli.Context) error {
		if err := noArgs(c); err != nil {
			return err
		}
		common, err := commonConfigFrom(c)
		if err != nil {
			return err
		}
		if c.String("forum") == "" {
			return usageError(c, "--forum is missing: name the forum whose threads to list")
		}
		return runThreadList(c.Context, threadConfig{actingConfig: actingConfig{commonConfig: common}, Forum: c.String("forum")}, s)
	}
}

// text is the command's text, from --text or read from --file.
func (cfg threadConfig) text(s streams) (string, error) {
	if cfg.File == "" {
		return cfg.Text, nil
	}
	return readTextFile(cfg.File, s.in)
}

// memberSession opens the node for a member who acts in its forums; a
// suspended member may not.
func memberSession(ctx context.Context, cfg actingConfig, s streams) (*actingEnv, error) {
	env, err := openActing(ctx, cfg, s)
	if err != nil {
		return nil, err
	}
	if env.member.Suspended {
		env.db.Close()
		return nil, failure("kring user unsuspend "+env.member.Username+" first", "member %q is suspended and cannot act in the forums", env.member.Username)
	}
	return env, nil
}

// writingSession reads the text a command writes and opens the node for
// the member who writes it.
func writingSession(ctx context.Context, cfg threadConfig, s streams) (*actingEnv, string, error) {
	text, err := cfg.text(s)
	if err != nil {
		return nil, "", err
	}
	env, err := memberSession(ctx, cfg.actingConfig, s)
	return env, text, err
}

func runThreadNew(ctx context.Context, cfg threadConfig, s streams) error {
	env, text, err := writingSession(ctx, cfg, s)
	if err != nil {
		return err
	}
	defer env.db.Close()
	f, err := env.db.ForumByName(ctx, cfg.Forum)
	if err != nil {
		return explainForumError(err, errHints{forum: cfg.Forum, as: cfg.As})
	}
	t, err := env.fed.StartThread(ctx, env.member, f, federation.ThreadInput{Title: cfg.Title, Body: text, Tags: cfg.Tags})
	if err != nil {
		return explainForumError(err, errHints{forum: f.Name, as: cfg.As})
	}
	fmt.Fprintf(s.out, "Started thread %q in %s.\nid:   %s\npage: %s\n", t.Title, f.Name, t.IRI, env.fed.IRIs().ThreadPage(f.Name, t.ID))
	return nil
}

func runThreadReply(ctx context.Context, cfg threadConfig, s streams) error {
	env, text, err := writingSession(ctx, cfg, s)
	if err != nil {
		return err
	}
	defer env.db.Close()
	obj, err := env.fed.Reply(ctx, env.member, cfg.To, text)
	if err != nil {
		hints := errHints{thread: cfg.To, as: cfg.As}
		// A thread of a forum here names the forum and the thread in the
		// fix (a reply to a reply is refused for its thread).
		if t, terr := env.db.ThreadOf(ctx, cfg.To); terr == nil {
			hints.forum, hints.thread = t.Forum, t.IRI
		}
		return explainForumError(err, hints)
	}
	fmt.Fprintf(s.out, "Replied to %s.\nid: %s\n", cfg.To, obj.IRI)
	return nil
}

func runThreadEdit(ctx context.Context, cfg threadConfig, s streams) error {
	env, text, err := writingSession(ctx, cfg, s)
	if err != nil {
		return err
	}
	defer env.db.Close()
	iri := cfg.Args[0]
	o, err := env.fed.EditInForum(ctx, env.member, iri, cfg.Title, text)
	if err != nil {
		return explainForumError(err, errHints{thread: iri, as: cfg.As})
	}
	fmt.Fprintf(s.out, "Edited %s.\n", o.IRI)
	return nil
}

func runThreadList(ctx context.Context, cfg threadConfig, s streams) error {
	db, _, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	f, err := db.ForumByName(ctx, cfg.Forum)
	if err != nil {
		return explainForumError(err, errHints{forum: cfg.Forum})
	}
	threads, err := forumThreads(ctx, db, f.ID)
	if err != nil {
		return err
	}
	if len(threads) == 0 {
		fmt.Fprintf(s.out, "No threads in %s yet: kring thread new --as NAME --forum %s --title TITLE --text TEXT starts one.\n", f.Name, f.Name)
		return nil
	}
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TITLE\tREPLIES\tLAST ACTIVITY\tFLAGS\tID")
	for _, t := range threads {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", oneLine(t.Title, 60), t.ReplyCount, formatTime(t.LastActivity), threadFlags(t), t.IRI)
	}
	return tw.Flush()
}

// forumThreads lists a forum's pinned threads first, as its page shows
// them, then the others by last activity, one page's worth.
func forumThreads(ctx context.Context, db *storage.DB, forumID int64) ([]content.Thread, error) {
	pinned, err := db.PinnedThreads(ctx, forumID)
	if err != nil {
		return nil, err
	}
	recent, err := db.Threads(ctx, storage.ThreadFilter{ForumID: forumID, Limit: storage.MaxThreadPage})
	if err != nil {
		return nil, err
	}
	return append(pinned, recent...), nil // storage lists pinned threads apart
}

func threadFlags(t content.Thread) string {
	var flags []string
	if t.Pinned {
		flags = append(flags, "pinned")
	}
	if t.Locked {
		flags = append(flags, "locked")
	}
	if t.Answered() {
		flags = append(flags, "answered")
	}
	return orDash(strings.Join(flags, ","))
}

// liveThread finds a thread of a forum here by its id.
func liveThread(ctx context.Context, db *storage.DB, iri string) (*content.Thread, error) {
	t, err := db.ThreadByIRI(ctx, iri)
	if content.KindOf(err) == content.KindNotFound || (err == nil && t.Deleted) {
		return nil, failure("kring thread list --forum FORUM shows the threads and their ids", "no thread %s in a forum of this node", iri)
	}
	return t, err
}

// modDone is what a moderation action did, for the line it prints, and
// whether a thread in that state needs it at all.
var modDone = map[content.ModAction]struct {
	verb   string
	needed func(*content.Thread) bool
}{
	content.ModLock:   {"Locked", func(t *content.Thread) bool { return !t.Locked }},
	content.ModUnlock: {"Unlocked", func(t *content.Thread) bool { return t.Locked }},
	content.ModPin:    {"Pinned", func(t *content.Thread) bool { return !t.Pinned }},
	content.ModUnpin:  {"Unpinned", func(t *content.Thread) bool { return t.Pinned }},
}

func runThreadModerate(ctx context.Context, cfg threadConfig, action content.ModAction, s streams) error {
	env, err := memberSession(ctx, cfg.actingConfig, s)
	if err != nil {
		return err
	}
	defer env.db.Close()
	t, err := liveThread(ctx, env.db, cfg.Args[0])
	if err != nil {
		return err
	}
	if err := requireModerator(ctx, env, t.ForumID, t.Forum); err != nil {
		return err
	}
	done := modDone[action]
	if !done.needed(t) {
		// Doing it again would log and announce a change that is none.
		fmt.Fprintf(s.out, "Thread %q is already %s.\n", t.Title, strings.ToLower(done.verb))
		return nil
	}
	if err := env.fed.ModerateThread(ctx, env.member, t, action, cfg.Reason); err != nil {
		return explainForumError(err, errHints{forum: t.Forum, thread: t.IRI, as: cfg.As})
	}
	fmt.Fprintf(s.out, "%s thread %q in %s; the forum's followers are told.\n", done.verb, t.Title, t.Forum)
	return nil
}

func runThreadAnswer(ctx context.Context, cfg threadConfig, s streams) error {
	env, err := memberSession(ctx, cfg.actingConfig, s)
	if err != nil {
		return err
	}
	defer env.db.Close()
	t, err := liveThread(ctx, env.db, cfg.Args[0])
	if err != nil {
		return err
	}
	if err := env.fed.MarkAnswer(ctx, env.member, t, cfg.Args[1]); err != nil {
		return explainForumError(err, errHints{forum: t.Forum, thread: t.IRI, as: cfg.As})
	}
	fmt.Fprintf(s.out, "Marked %s as the answer to %q.\n", cfg.Args[1], t.Title)
	return nil
}

// requireModerator refuses a member who does not moderate the forum (an
// admin moderates every forum) before anything is done or fetched.
func requireModerator(ctx context.Context, env *actingEnv, forumID int64, forum string) error {
	ok, err := env.fed.CanModerate(ctx, env.member, forumID)
	if err != nil {
		return fmt.Errorf("check moderator of %s: %w", forum, err)
	}
	if !ok {
		return notModerator(env.member.Username, forum)
	}
	return nil
}

func notModerator(username, forum string) error {
	return failure(fmt.Sprintf("an admin can make %s one: kring forum moderator add %s %s", username, forum, username),
		"%s does not moderate the forum %s", username, forum)
}

// errHints name what a forum command was about, so that the fix it
// prints can be run as it stands.
type errHints struct {
	forum  string // the forum's name
	thread string // the thread's id
	as     string // the member acting
}

// explainForumError gives the domain errors of forums and threads the fix
// an admin can run; exitError prints the others as they are.
func explainForumError(err error, h errHints) error {
	e, ok := content.AsError(err)
	if !ok {
		return err
	}
	switch e.Code {
	case "forum.not_found":
		return failure("kring forum list shows the forums", "no forum named %q", h.forum)
	case "forum.not_moderator":
		return notModerator(h.as, h.forum)
	case "forum.banned":
		return failure(fmt.Sprintf("a moderator can lift the ban: kring forum unban %s %s --as MODERATOR", h.forum, h.as),
			"%s is banned from the forum %s", h.as, h.forum)
	case "thread.locked":
		return failure("a moderator can reopen it: kring thread unlock --as MODERATOR "+h.thread, "the thread %s is locked: it takes no new replies", h.thread)
	case "thread.not_author":
		return failure("ask the thread's author or a moderator of "+h.forum, "%s", e.Message)
	case "thread.answer_elsewhere":
		return failure("give the id of a reply in "+h.thread+"; kring thread list --forum "+h.forum+" shows the threads", "%s", e.Message)
	case "reply.no_parent":
		return failure("give the id of a thread or reply this node holds; a thread elsewhere arrives once a member follows its forum",
			"%s", e.Message)
	case "forum.ban_self":
		return failure("give another ACTOR; kring forum moderator remove takes a moderator off the forum", "%s", e.Message)
	}
	if e.Field == "body" || e.Field == "text" {
		return failure("give the text as --text TEXT or --file FILE", "%s", e.Message)
	}
	return err
}
