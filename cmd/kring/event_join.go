package main

import (
	"context"
	"fmt"
	"strings"

	"kring/content"
	"kring/storage"
)

func runEventJoin(ctx context.Context, cfg eventConfig, s streams) error {
	env, err := memberSession(ctx, cfg.actingConfig, s)
	if err != nil {
		return err
	}
	defer env.db.Close()
	ev, err := findEvent(ctx, env.db, env.fed, cfg.Args[0], true)
	if err != nil {
		return err
	}
	if ev.JoinMode == content.JoinExternal {
		return failure("register at "+firstOf(ev.RegistrationURL, "the organisers' site"), "people register for %q elsewhere", ev.Title)
	}
	p, err := env.fed.JoinEvent(ctx, env.member, ev, cfg.fields.message)
	if err != nil {
		return explainEventError(err, cfg.As)
	}
	who := env.member.Username
	switch p.State {
	case content.ParticipantAccepted:
		fmt.Fprintf(s.out, "%s takes part in %q.\n", who, ev.Title)
	case content.ParticipantWaiting:
		fmt.Fprintf(s.out, "Every seat of %q is taken: %s is on the waiting list and moves up when a seat frees.\n", ev.Title, who)
	case content.ParticipantPending:
		if ev.Local {
			fmt.Fprintf(s.out, "%s asked to join %q; its organisers accept or reject the request.\n", who, ev.Title)
		} else {
			fmt.Fprintf(s.out, "%s's request to join %q is sent to %s; it counts once that server accepts.\n", who, ev.Title, hostOf(ev.IRI))
		}
	case content.ParticipantRejected:
		fmt.Fprintf(s.out, "The organisers of %q rejected %s's request.\n", ev.Title, who)
	}
	fmt.Fprintf(s.out, "state: %s\nid:    %s\n", p.State, ev.IRI)
	return nil
}

func runEventLeave(ctx context.Context, cfg eventConfig, s streams) error {
	env, err := memberSession(ctx, cfg.actingConfig, s)
	if err != nil {
		return err
	}
	defer env.db.Close()
	ev, err := findEvent(ctx, env.db, env.fed, cfg.Args[0], true)
	if err != nil {
		return err
	}
	actor := env.fed.IRIs().Actor(env.member.Username)
	if _, err := env.db.Participant(ctx, ev.ID, actor); content.KindOf(err) == content.KindNotFound {
		return failure("kring event show "+ev.IRI+" shows who takes part", "%s does not take part in %q", env.member.Username, ev.Title)
	} else if err != nil {
		return err
	}
	waiting, err := statesOf(ctx, env.db, ev.ID)
	if err != nil {
		return err
	}
	if err := env.fed.LeaveEvent(ctx, env.member, ev); err != nil {
		return explainEventError(err, cfg.As)
	}
	if !ev.Local {
		fmt.Fprintf(s.out, "%s no longer takes part in %q; the Leave is sent to %s.\n", env.member.Username, ev.Title, hostOf(ev.IRI))
		return nil
	}
	fmt.Fprintf(s.out, "%s no longer takes part in %q.\n", env.member.Username, ev.Title)
	after, err := statesOf(ctx, env.db, ev.ID)
	if err != nil {
		return err
	}
	for actor, st := range waiting {
		if st == content.ParticipantWaiting && after[actor] == content.ParticipantAccepted {
			fmt.Fprintf(s.out, "moved up: %s\n", actor)
		}
	}
	return nil
}

func statesOf(ctx context.Context, db *storage.DB, eventID int64) (map[string]content.ParticipationState, error) {
	ps, err := db.Participants(ctx, eventID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]content.ParticipationState, len(ps))
	for _, p := range ps {
		out[p.Actor] = p.State
	}
	return out, nil
}

func runEventDecide(ctx context.Context, cfg eventConfig, accept bool, s streams) error {
	env, err := memberSession(ctx, cfg.actingConfig, s)
	if err != nil {
		return err
	}
	defer env.db.Close()
	ev, err := manageableEvent(ctx, env, cfg.Args[0])
	if err != nil {
		return err
	}
	actor, err := participantActor(ctx, env, ev, cfg.Args[1])
	if err != nil {
		return err
	}
	p, err := env.fed.DecideParticipant(ctx, env.member, ev, actor, accept)
	if err != nil {
		if content.KindOf(err) == content.KindNotFound {
			return failure("kring event show "+ev.IRI+" shows the requests", "%s has not asked to join %q", actor, ev.Title)
		}
		return explainEventError(err, cfg.As)
	}
	switch p.State {
	case content.ParticipantAccepted:
		fmt.Fprintf(s.out, "Accepted %s for %q; they are told.\n", actor, ev.Title)
	case content.ParticipantWaiting:
		fmt.Fprintf(s.out, "Accepted %s for %q, but every seat is taken: they are on the waiting list.\n", actor, ev.Title)
	case content.ParticipantRejected:
		fmt.Fprintf(s.out, "Rejected %s's request to join %q; they are told.\n", actor, ev.Title)
	}
	fmt.Fprintf(s.out, "state: %s\n", p.State)
	return nil
}

// participantActor reads the ACTOR of accept and reject: an actor id, a
// member's username, or user@host, looked up first among the event's
// participants (no request needed) and else by WebFinger.
func participantActor(ctx context.Context, env *actingEnv, ev *content.Event, target string) (string, error) {
	target = strings.TrimSpace(target)
	handle := strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(target, "acct:"), "@"))
	if user, host, remote := strings.Cut(handle, "@"); remote && host != env.fed.IRIs().Host() && !isWebAddress(target) {
		ps, err := env.db.Participants(ctx, ev.ID)
		if err != nil {
			return "", err
		}
		for _, p := range ps {
			if p.MemberID != 0 {
				continue
			}
			if a, err := env.db.RemoteActor(ctx, p.Actor); err == nil && strings.EqualFold(a.Username, user) &&
				(strings.EqualFold(a.Host, host) || strings.EqualFold(hostOf(p.Actor), host)) {
				return p.Actor, nil
			}
		}
	}
	return resolveActor(ctx, env, target)
}
