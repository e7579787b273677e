use super::*;

/// The seed's example: welcome, pause two hours, a question, a reply containing "precio" jumps
/// to the price message.
const SEED: &str = r#"
name = "Bienvenida"
tenant = "Acme"
late = "skip"

[trigger]
first_message = true

[[step]]
id = "welcome"
text = "¡Hola {first_name|}! Gracias por escribir a Acme."
fallback_template = { name = "bienvenida", language = "es", params = ["{name|cliente}"] }

[[step]]
wait = "2h"

[[step]]
id = "question"
text = "¿Qué te interesa: precio o envíos?"

[[step]]
wait_reply = "1d"
on_timeout = "bye"

[[step]]
branch = [
  { any = ["precio", "cuánto cuesta"], goto = "price" },
  { all = ["envio", "gratis"], goto = "shipping" },
]
else = "human"

[[step]]
id = "price"
text = "La caja cuesta 120 Bs."
[[step]]
stop = true

[[step]]
id = "shipping"
text = "El envío es gratis desde 300 Bs."
[[step]]
stop = true

[[step]]
id = "human"
assign = { queue = "Ventas" }
[[step]]
stop = true

[[step]]
id = "bye"
template = { name = "seguimiento", language = "es" }
"#;

fn seed() -> Sequence {
    parse("bienvenida", SEED).unwrap()
}

fn contact() -> ContactFields {
    ContactFields {
        name: Some("Ana María Quispe".into()),
        phone: Some("59171000001".into()),
    }
}

fn ctx<'a>(
    now: i64,
    window_open: bool,
    reply: Option<&'a str>,
    c: &'a ContactFields,
) -> RunContext<'a> {
    RunContext {
        now,
        due: now,
        window_open,
        reply,
        last_message_id: 10,
        late: false,
        contact: c,
    }
}

#[test]
fn the_seed_example_welcomes_waits_asks_and_branches_on_precio() {
    let (seq, c) = (seed(), contact());
    let r = run(&seq, Position::default(), &ctx(1_000, true, None, &c));
    assert_eq!(
        r.actions,
        vec![(
            0,
            Action::SendText {
                body: "¡Hola Ana! Gracias por escribir a Acme.".into()
            }
        )]
    );
    assert_eq!(r.after, After::RunAt(1_000 + 7_200));
    assert_eq!(r.position.step, 1);

    // Woken early (another event): still waiting, same deadline.
    let early = run(&seq, r.position, &ctx(2_000, true, None, &c));
    assert!(early.actions.is_empty());
    assert_eq!(early.after, After::RunAt(8_200));

    let asked = run(&seq, r.position, &ctx(8_200, true, None, &c));
    assert_eq!(asked.actions.len(), 1);
    assert_eq!(asked.actions[0].0, 2);
    assert_eq!(
        asked.after,
        After::AwaitReply {
            deadline: Some(8_200 + 86_400)
        }
    );
    assert_eq!(asked.position.reply_after, Some(10));

    let replied = run(
        &seq,
        asked.position,
        &ctx(9_000, true, Some("Hola, ¿PRECIÓ de la caja?"), &c),
    );
    assert_eq!(
        replied.actions,
        vec![(
            5,
            Action::SendText {
                body: "La caja cuesta 120 Bs.".into()
            }
        )]
    );
    assert_eq!(replied.after, After::Finished("stopped at step 7".into()));
}

#[test]
fn other_replies_take_their_arm_or_the_else() {
    let (seq, c) = (seed(), contact());
    let waiting = Position {
        step: 3,
        waiting_since: Some(0),
        reply_after: Some(10),
    };
    let shipping = run(
        &seq,
        waiting,
        &ctx(10, true, Some("¿el ENVÍO es gratis?"), &c),
    );
    assert_eq!(shipping.actions[0].0, 7);
    let other = run(
        &seq,
        waiting,
        &ctx(10, true, Some("quiero hablar con alguien"), &c),
    );
    assert_eq!(
        other.actions,
        vec![(
            9,
            Action::Assign {
                queue: Some("Ventas".into()),
                agent: None
            }
        )]
    );
}

#[test]
fn no_reply_by_the_deadline_goes_to_on_timeout() {
    let (seq, c) = (seed(), contact());
    let waiting = Position {
        step: 3,
        waiting_since: Some(0),
        reply_after: Some(10),
    };
    let still = run(&seq, waiting, &ctx(86_399, false, None, &c));
    assert_eq!(
        still.after,
        After::AwaitReply {
            deadline: Some(86_400)
        }
    );
    let timed_out = run(&seq, waiting, &ctx(86_400, false, None, &c));
    assert_eq!(
        timed_out.actions,
        vec![(
            11,
            Action::SendTemplate {
                name: "seguimiento".into(),
                language: "es".into(),
                params: vec![]
            }
        )]
    );
    assert_eq!(timed_out.after, After::Finished("completed".into()));
}

#[test]
fn a_closed_window_sends_the_fallback_template_or_pauses() {
    let (seq, c) = (seed(), contact());
    let r = run(&seq, Position::default(), &ctx(0, false, None, &c));
    assert_eq!(
        r.actions[0].1,
        Action::SendTemplate {
            name: "bienvenida".into(),
            language: "es".into(),
            params: vec!["Ana María Quispe".into()]
        }
    );
    // The question has no fallback: the enrollment pauses on it, and resumes there.
    let at_question = Position {
        step: 2,
        ..Position::default()
    };
    let paused = run(&seq, at_question, &ctx(0, false, None, &c));
    assert!(paused.actions.is_empty());
    assert_eq!(paused.position.step, 2);
    match paused.after {
        After::Paused(why) => assert!(
            why.contains("question") && why.contains("window is closed"),
            "{why}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn late_runs_skip_messages_when_the_sequence_says_so() {
    let (seq, c) = (seed(), contact());
    let mut late = ctx(0, true, None, &c);
    late.late = true;
    let r = run(&seq, Position::default(), &late);
    assert!(
        matches!(r.actions[0].1, Action::Skipped { .. }),
        "{:?}",
        r.actions
    );
    assert_eq!(
        r.after,
        After::RunAt(7_200),
        "the rest of the sequence goes on"
    );
    let runs = parse("x", "tenant = \"Acme\"\n[[step]]\ntext = \"hi\"\n").unwrap();
    let r = run(&runs, Position::default(), &late);
    assert_eq!(r.actions[0].1, Action::SendText { body: "hi".into() });
}

/// A run the engine got to late (a store behind, a backlog after a restart): a wait it reaches
/// before doing anything counts from when the run was due; after a message, from the message.
#[test]
fn a_wait_counts_from_when_its_step_was_reached() {
    let c = contact();
    let seq = parse(
        "w",
        "tenant = \"Acme\"\n[[step]]\nwait = \"1h\"\n[[step]]\ntext = \"hi\"\n[[step]]\nwait = \"1h\"\n[[step]]\ntext = \"again\"\n",
    )
    .unwrap();
    let late = |now, due| RunContext {
        due,
        ..ctx(now, true, None, &c)
    };

    // Enrolled at 1,000, run at 1,030: the first wait began at 1,000.
    let first = run(&seq, Position::default(), &late(1_030, 1_000));
    assert!(first.actions.is_empty());
    assert_eq!(first.position.waiting_since, Some(1_000));
    assert_eq!(first.after, After::RunAt(4_600));

    // Run at 4,620 for 4,600: the text goes, and the wait after it counts from the text.
    let second = run(&seq, first.position, &late(4_620, 4_600));
    assert_eq!(second.actions.len(), 1);
    assert_eq!(second.position.waiting_since, Some(4_620));
    assert_eq!(second.after, After::RunAt(8_220));

    // A due time in the future (a reply wait's deadline) is no reason to wait less: now.
    let ahead = run(&seq, Position::default(), &late(1_000, 5_000));
    assert_eq!(ahead.after, After::RunAt(4_600));

    // Reached when its time has passed (the engine was down): the run stops there, with the
    // wait's start saved, and the next run, due at once, goes on.
    let down = run(&seq, Position::default(), &late(9_000, 1_000));
    assert!(down.actions.is_empty());
    assert_eq!(down.after, After::RunAt(4_600));
    let resumed = run(&seq, down.position, &late(9_001, 4_600));
    assert_eq!(resumed.actions.len(), 1);
    assert_eq!(resumed.after, After::RunAt(9_001 + 3_600));
}

#[test]
fn a_goto_loop_without_a_wait_pauses_instead_of_spinning() {
    let seq = parse(
        "loop",
        "tenant = \"Acme\"\n[[step]]\nid = \"a\"\ngoto = \"b\"\n[[step]]\nid = \"b\"\ngoto = \"a\"\n",
    )
    .unwrap();
    let c = contact();
    let r = run(&seq, Position::default(), &ctx(0, true, None, &c));
    assert!(
        matches!(r.after, After::Paused(ref why) if why.contains("goto loop")),
        "{:?}",
        r.after
    );
}

#[test]
fn errors_name_the_line_and_why() {
    let cases: &[(&str, usize, &str)] = &[
        ("tenant = \"A\"\n[[step]]\nwait = \"soon\"\n", 2, "duration"),
        (
            "tenant = \"A\"\n\n[[step]]\ntext = \"x\"\nwait = \"1h\"\n",
            3,
            "text and wait",
        ),
        (
            "tenant = \"A\"\n[[step]]\ngoto = \"nowhere\"\n",
            2,
            "no step is named \"nowhere\"",
        ),
        (
            "tenant = \"A\"\n[[step]]\ntext = \"x\"\non_timeout = \"stop\"\n",
            2,
            "belongs with `wait_reply`",
        ),
        (
            "tenant = \"A\"\n[[step]]\nbranch = [{ regex = \"(\", goto = \"next\" }]\n",
            2,
            "regex",
        ),
        ("tenant = \"A\"\n[[step]]\ntxet = \"x\"\n", 3, "txet"),
        (
            "tenant = \"A\"\n[[step]]\ntext = \"x\"\n[[step]]\nid = \"a\"\nstop = true\n[[step]]\nid = \"a\"\nclose = true\n",
            7,
            "two steps",
        ),
        ("tenant = \"A\"\n", 2, "at least one"),
        (
            "tenant = \"A\"\nlate = \"later\"\n[[step]]\nstop = true\n",
            2,
            "late",
        ),
        ("name = \"x\"\n[[step]]\nstop = true\n", 1, "tenant"),
        (
            "tenant = \"A\"\n[trigger]\nkeyword = { any = [] }\n[[step]]\nstop = true\n",
            3,
            "exactly one",
        ),
    ];
    for (source, line, why) in cases {
        let e = parse("bad", source).expect_err(source);
        assert_eq!(e.line, *line, "{source}\n{e}");
        assert!(e.message.contains(why), "{source}\n{e}");
    }
}

#[test]
fn a_keyword_trigger_is_kept_with_how_it_reads() {
    let seq = parse(
        "precio",
        "tenant = \"Acme\"\nnumbers = [\"+1 555 078 3881\"]\n[trigger]\nkeyword = { any = [\"precio\", \"precios\"], match = \"exact\" }\n[[step]]\ntext = \"120 Bs.\"\n",
    )
    .unwrap();
    let k = seq.trigger.keyword.as_ref().unwrap();
    assert!(k.matches("PRECIO"));
    assert!(!k.matches("el precio?"));
    assert_eq!(
        seq.trigger.keyword_text.as_deref(),
        Some("any of precio, precios (exact)")
    );
    assert!(seq.pause_on_agent);
    assert!(seq.runs_on("106540352242922", "15550783881"));
    assert!(!seq.runs_on("999", "15550000000"));
}

#[test]
fn placeholders_fill_from_the_contact_with_defaults() {
    let c = contact();
    assert_eq!(
        fill("Hola {first_name}, tu número es {phone}", &c),
        "Hola Ana, tu número es +59171000001"
    );
    let nobody = ContactFields::default();
    assert_eq!(fill("Hola {name|amigo}!", &nobody), "Hola amigo!");
    assert_eq!(
        fill("{unknown} y {sin cerrar", &nobody),
        "{unknown} y {sin cerrar"
    );
}

#[test]
fn the_example_file_loads_and_reads_as_documented() {
    let seq = parse(
        "welcome",
        include_str!("../../../../sequences.example.toml"),
    )
    .unwrap();
    assert_eq!(seq.name, "Welcome");
    assert_eq!(seq.late, LateRule::Run);
    assert!(seq.trigger.first_message);
    let c = contact();
    let r = run(&seq, Position::default(), &ctx(0, false, None, &c));
    assert_eq!(
        r.actions[0].1,
        Action::SendTemplate {
            name: "welcome_back".into(),
            language: "en_US".into(),
            params: vec!["customer_name=Ana".into(), "code=HELLO10".into()]
        }
    );
}
