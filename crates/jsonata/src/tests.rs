//! Data-driven tests: the AWS functions, the 2.0.6 dialect, error rendering,
//! bindings, bounds.

use serde_json::{json, Value};

use super::*;

/// Expected outcome of one expression.
enum Want {
    /// A JSON result.
    Is(Value),
    /// JSONata undefined.
    Undefined,
    /// An error, rendered as its cause.
    Fails(&'static str),
}
use Want::*;

fn eval(expr: &str, input: Option<&Value>) -> Result<Evaluated, JsonataError> {
    let vars =
        json!({"states": {"input": {"items": [1, 2, 3], "empty": [], "n": null}}, "rate": 3});
    Expression::compile(expr).and_then(|e| {
        e.evaluate_full(
            input,
            vars.as_object().expect("object"),
            &mut SplitMix64::new(7),
            &Limits::default(),
        )
    })
}

fn check(cases: &[(&str, Want)]) {
    for (expr, want) in cases {
        let got = eval(expr, None);
        match (want, &got) {
            (Is(v), Ok(Evaluated::Value(g))) if v == g => {}
            (Undefined, Ok(Evaluated::Undefined)) => {}
            (Fails(cause), Err(e)) if e.cause() == *cause => {}
            _ => panic!("{expr}: got {got:?}"),
        }
    }
}

#[test]
fn aws_partition() {
    check(&[
        ("$partition([1,2,3,4,5,6,7,8,9], 3)", Is(json!([[1, 2, 3], [4, 5, 6], [7, 8, 9]]))),
        ("$partition([1,2,3,4,5], 2)", Is(json!([[1, 2], [3, 4], [5]]))),
        ("$partition([1,2], 5)", Is(json!([[1, 2]]))),
        ("$partition([], 2)", Is(json!([]))),
        ("$partition('a', 2)", Is(json!([["a"]]))),
        ("$partition($nothing, 2)", Undefined),
        ("$partition([1], 'x')", Fails("T0410: Argument 2 of function \"partition\" does not match function signature")),
        ("$partition([1])", Fails("T0410: Argument 2 of function \"partition\" does not match function signature")),
        ("$partition([1], 1, 1)", Fails("T0410: Argument 3 of function \"partition\" does not match function signature")),
        ("$partition([1], 0)", Fails("D3137: The chunk size argument of function \"partition\" must be a positive integer, got 0")),
        ("$partition([1], 1.5)", Fails("D3137: The chunk size argument of function \"partition\" must be a positive integer, got 1.5")),
    ]);
}

#[test]
fn aws_range() {
    check(&[
        ("$range(0, 10, 2)", Is(json!([0, 2, 4, 6, 8, 10]))),
        ("$range(0, 9, 3)", Is(json!([0, 3, 6, 9]))),
        // AWS recorded `1`, not `[1]`: a one-item sequence comes back bare
        // (conformance case array_jsonata__array_range__exec_2).
        ("$range(1, 9, 9)", Is(json!(1))),
        ("$range(10, 0, -3)", Is(json!([10, 7, 4, 1]))),
        ("$range(3, 1, 1)", Is(json!([]))),
        ("$range(-1.2, 2.8, 1.9)", Is(json!([-1, 0, 1, 2]))),
        ("$range(1, $nothing, 1)", Undefined),
        (
            "$range('0', 4, 1)",
            Fails("T0410: Argument 1 of function \"range\" does not match function signature"),
        ),
        (
            "$range(0, 4, 1, 2)",
            Fails("T0410: Argument 4 of function \"range\" does not match function signature"),
        ),
        (
            "$range(0, 4)",
            Fails("T0410: Argument 3 of function \"range\" does not match function signature"),
        ),
        (
            "$range(0, 4, 0)",
            Fails("D3137: The step argument of function \"range\" must not be zero"),
        ),
    ]);
}

#[test]
fn aws_hash() {
    check(&[
        ("$hash('abc', 'MD5')", Is(json!("900150983cd24fb0d6963f7d28e17f72"))),
        ("$hash('abc', 'SHA-1')", Is(json!("a9993e364706816aba3e25717850c26c9cd0d89d"))),
        ("$hash('abc')", Is(json!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))),
        ("$hash('abc', 'SHA-256')", Is(json!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))),
        ("$length($hash('abc', 'SHA-384'))", Is(json!(96))),
        ("$length($hash('abc', 'SHA-512'))", Is(json!(128))),
        ("$hash($nothing)", Undefined),
        ("$hash(1)", Fails("T0410: Argument 1 of function \"hash\" does not match function signature")),
        ("$hash('a', 'SHA3')", Fails("D3137: Unsupported hash algorithm \"SHA3\": the algorithm of function \"hash\" must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512")),
    ]);
}

#[test]
fn aws_parse_random_uuid_eval() {
    check(&[
        ("$parse('{\"a\": [1, 2.5, {\"z\": null, \"b\": true}]}')", Is(json!({"a": [1, 2.5, {"z": null, "b": true}]}))),
        ("$parse('\"s\"')", Is(json!("s"))),
        ("$parse($nothing)", Undefined),
        ("$parse(1)", Fails("T0410: Argument 1 of function \"parse\" does not match function signature")),
        ("$random(42) = $random(42)", Is(json!(true))),
        ("$random(42) = $random(43)", Is(json!(false))),
        ("($r := $random(); $r >= 0 and $r < 1)", Is(json!(true))),
        ("$random('x')", Fails("T0410: Argument 1 of function \"random\" does not match function signature")),
        ("$uuid() ~> $match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/) ~> $exists()", Is(json!(true))),
        ("$uuid() = $uuid()", Is(json!(false))),
        ("$uuid(1)", Fails("T0410: Argument 1 of function \"uuid\" does not match function signature")),
        ("$eval('1 + 1')", Fails("T1006: Attempted to invoke a non-function")),
        ("$randomSeeded(1)", Fails("T1006: Attempted to invoke a non-function")),
    ]);
}

#[test]
fn randomness_comes_from_the_entropy_source() {
    let e = Expression::compile("[$random(), $uuid()]").expect("compiles");
    let run = |seed| {
        e.evaluate(None, &(), &mut SplitMix64::new(seed))
            .expect("evaluates")
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));

    // An expression without $random/$uuid takes nothing from the source.
    struct Never;
    impl Entropy for Never {
        fn next_u64(&mut self) -> u64 {
            panic!("entropy used")
        }
    }
    let e = Expression::compile("$random(5)").expect("compiles");
    assert!(e.evaluate(None, &(), &mut SplitMix64::new(0)).is_ok());
    let e = Expression::compile("1 + 1").expect("compiles");
    assert_eq!(
        e.evaluate(None, &(), &mut Never).expect("ok"),
        Some(json!(2))
    );
}

#[test]
fn version_2_0_6_syntax_and_errors() {
    check(&[
        ("$x ?? 1", Fails("S0211: The symbol \"?\" cannot be used as a unary operator")),
        ("false ?: 1", Fails("S0211: The symbol \":\" cannot be used as a unary operator")),
        ("true ? 1 : 2", Is(json!(1))),
        ("\"a\" + 1", Fails("T2001: The left side of the \"+\" operator must evaluate to a number")),
        ("1 * \"a\"", Fails("T2002: The right side of the \"*\" operator must evaluate to a number")),
        ("null < 5", Fails("T2010: The expressions either side of operator \"<\" must evaluate to numeric or string values")),
        ("$number('abc')", Fails("D3030: Unable to cast value to a number: \"abc\"")),
        ("$uppercase(1)", Fails("T0410: Argument 1 of function \"uppercase\" does not match function signature")),
        ("$sum(['a'])", Fails("T0412: Argument 1 of function \"sum\" must be an array of \"numbers\"")),
        ("$error('boom')", Fails("D3137: boom")),
        ("$single([])", Fails("D3139: The $single() function expected exactly 1 matching result.  Instead it matched 0.")),
        ("[1,2", Fails("S0203: Expected \"]\" before end of expression")),
        ("(", Fails("S0207: Unexpected end of expression")),
        ("a b", Fails("S0201: Syntax error: \"b\"")),
        ("'abc", Fails("S0101: String literal must be terminated by a matching quote")),
        ("/* x", Fails("S0106: Comment has no closing tag")),
        ("1e999", Fails("S0102: Number out of range: \"1e999\"")),
        ("{'a': 1}.$foo()", Fails("T1006: Attempted to invoke a non-function")),
    ]);
}

#[test]
fn undefined_null_functions_and_input() {
    check(&[
        ("$nothing", Undefined),
        ("null", Is(json!(null))),
        ("[1, $nothing, function(){1}]", Is(json!([1, null]))),
        ("{'a': 1, 'f': $sum, 'u': $nothing}", Is(json!({"a": 1}))),
        ("$states.input.empty", Is(json!([]))),
        ("$states.input.n", Is(json!(null))),
        ("$exists($states.input.n)", Is(json!(true))),
        ("$exists($states.input.missing)", Is(json!(false))),
        ("$sum($states.input.items) * $rate", Is(json!(18))),
        ("1.5 + 1.5", Is(json!(3))),
        ("0.1 + 0.2", Is(json!(0.30000000000000004))),
        ("{'z': 1, 'a': 2}", Is(json!({"z": 1, "a": 2}))),
    ]);
    assert_eq!(
        eval("function($x){$x}", None).expect("ok"),
        Evaluated::Function
    );
    // No input at all differs from a null input.
    assert_eq!(eval("$", None).expect("ok"), Evaluated::Undefined);
    assert_eq!(
        eval("$", Some(&json!(null))).expect("ok"),
        Evaluated::Value(json!(null))
    );
    assert_eq!(
        eval("a", Some(&json!({"a": 5}))).expect("ok"),
        Evaluated::Value(json!(5))
    );
}

#[test]
fn size_guards() {
    let too_large = "D1013: The expression builds a value larger than 536870888 characters";
    check(&[
        ("$pad('x', 10000000000)", Fails(too_large)),
        ("$pad('x', -1e12, '#')", Fails(too_large)),
        ("'x' ~> $pad(1e12)", Fails(too_large)),
        ("$pad('x', 3, '#') & $pad('y', -3)", Is(json!("x##  y"))),
        ("'ab' ~> $pad(4)", Is(json!("ab  "))),
        (
            "$pad('x', 1, 2)",
            Fails("T0410: Argument 3 of function \"pad\" does not match function signature"),
        ),
        // Forty levels of shared structure: small in memory, 2^40 keys as JSON.
        (
            "$reduce([1..40], function($a, $b){ {'a': $a, 'b': $a} }, 1)",
            Fails(too_large),
        ),
        (
            "$reduce([1..4], function($a, $b){ {'a': $a, 'b': $a} }, 1).a.b.a.b",
            Is(json!(1)),
        ),
        (
            "$reduce([1..20], function($a, $b){ $a & $a }, 'x') ~> $length()",
            Is(json!(1 << 20)),
        ),
    ]);
}

#[test]
fn free_variables() {
    for (expr, want) in [
        ("$states.input.x + $a", vec!["a", "states"]),
        ("($a := 1; $a + $b)", vec!["b"]),
        ("function($x){$x + $y}", vec!["y"]),
        ("items@$i#$n.($i + $n + $z)", vec!["z"]),
        ("$sum($uuid() & $v)", vec!["v"]),
        ("$f(1)", vec![]),
        ("$ + $$", vec![]),
    ] {
        let e = Expression::compile(expr).expect("compiles");
        assert_eq!(e.free_variables(), want, "{expr}");
    }
}

#[test]
fn templates() {
    for (s, want) in [
        ("{% $x %}", Some(" $x ")),
        ("{%%}", Some("")),
        (" {% $x %}", None),
        ("{% $x %} ", None),
        ("{%}", None),
        ("$x", None),
    ] {
        assert_eq!(parse_template(s), want, "{s:?}");
    }
}

#[test]
fn runaway_evaluation_is_stopped() {
    let deep = "($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))";
    let err = eval(deep, None).expect_err("too deep");
    assert_eq!(err.code, "U1001");

    let limits = Limits {
        timeout: Some(std::time::Duration::from_millis(50)),
        ..Limits::default()
    };
    let e = Expression::compile("($f := function($n){ $f($n + 1) }; $f(0))").expect("compiles");
    let err = e
        .evaluate_full(None, &(), &mut SplitMix64::new(0), &limits)
        .expect_err("times out");
    assert_eq!(
        err.cause(),
        "U1001: Expression evaluation timeout: Check for infinite loop"
    );

    let cancel = Cancel::new();
    cancel.cancel();
    let limits = Limits {
        cancel: Some(cancel),
        timeout: None,
        ..Limits::default()
    };
    let err = e
        .evaluate_full(None, &(), &mut SplitMix64::new(0), &limits)
        .expect_err("cancelled");
    assert_eq!(err.code, "U1001");
}

#[test]
fn library_panics_become_errors() {
    // jsonata-core 2.2.13 panics (an unwrap in its datetime code) on this input.
    let err = eval(
        "$parseInteger('FIVE HUNDRED AND FIFTY-３４０', '###０')",
        None,
    )
    .expect_err("panic caught");
    assert_eq!(err.code, "U1000");
}

#[test]
fn expression_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Expression>();
    assert_send_sync::<JsonataError>();

    let e = std::sync::Arc::new(Expression::compile("$sum($) * 2").expect("compiles"));
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let e = std::sync::Arc::clone(&e);
            std::thread::spawn(move || {
                e.evaluate(Some(&json!([i, 1])), &(), &mut SplitMix64::new(0))
                    .expect("evaluates")
            })
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.join().expect("thread"), Some(json!((i + 1) * 2)));
    }
}

/// The fast form must agree with the full evaluator wherever it answers:
/// every combination of a set of operands and operators, over variables of
/// every JSON type (and the awkward numbers and strings).
#[test]
fn fast_form_agrees_with_the_full_evaluator() {
    let docs = [
        json!(0),
        json!(-0.0),
        json!(7),
        json!(2.5),
        json!(9007199254740993u64),
        json!(1e300),
        json!(""),
        json!("abc"),
        json!("é\u{1F600}"),
        json!("\u{FF61}"),
        json!(true),
        json!(false),
        json!(null),
        json!([]),
        json!([3]),
        json!([[1, 2], 3]),
        json!({}),
        json!({"b": 1, "c": {"d": "x"}}),
        json!({"b": [], "c": [1]}),
        json!({"b": [5, "s", [6, 7], {"d": 1.0}], "c": {"d": [2]}}),
        json!({"b": [[1]], "c": null}),
        json!({"b": "str", "c": {"d": {"e": -3}}}),
    ];
    let atoms = [
        "$a",
        "$a.b",
        "$a.c.d",
        "$a.b[0]",
        "$a.b[-1]",
        "$a.b[2]",
        "$a.b[1.5]",
        "$a.b[9]",
        "$a.c.d[0]",
        "$a.x",
        "$a.b.x",
        "$z",
        "$z.b",
        "1",
        "2.5",
        "0",
        "\"abc\"",
        "\"\"",
        "true",
        "false",
        "null",
        "-$a",
        "-$a.b",
    ];
    let binary = [
        "+", "-", "*", "/", "%", "=", "!=", "<", "<=", ">", ">=", "and", "or", "&",
    ];
    let mut exprs: Vec<String> = atoms.iter().map(|a| a.to_string()).collect();
    for l in atoms {
        for r in atoms {
            for op in binary {
                exprs.push(format!("{l} {op} {r}"));
            }
            exprs.push(format!("{l} ? {r}"));
            exprs.push(format!("{l} ? {r} : $a.b"));
        }
    }
    exprs.push("$a.b = 1 and $a.c.d = \"x\" ? $a.b + 1 : -1".into());
    exprs.push("($a.b + 1) * 2 - $a.b / 4 & \"!\"".into());
    let limits = Limits::default();
    let mut fast = 0;
    for doc in &docs {
        let vars = json!({ "a": doc, "z": 3 });
        let vars = vars.as_object().expect("object");
        for text in &exprs {
            let Ok(expr) = Expression::compile(text) else {
                continue;
            };
            if !expr.has_fast_form() {
                continue;
            }
            fast += 1;
            let mut rng = SplitMix64::new(1);
            let quick = expr.evaluate_full(None, vars, &mut rng, &limits);
            let full = expr.evaluate_in_full(None, vars, &mut rng, &limits);
            let same = match (&quick, &full) {
                (Ok(a), Ok(b)) => a == b,
                (Err(a), Err(b)) => a.cause() == b.cause(),
                _ => false,
            };
            assert!(
                same,
                "{text} with $a = {doc}: fast {quick:?}, full {full:?}"
            );
        }
    }
    assert!(fast > 10_000, "only {fast} evaluations took the fast form");
}
