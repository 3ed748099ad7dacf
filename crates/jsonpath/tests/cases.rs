//! Table-driven tests: one `check()` runs every case.
//!
//! Cases marked `AWS:` restate behaviour recorded against AWS (the shared conformance
//! suite, or public characterization suites run against AWS); the others pin Jayway
//! semantics or our own choices.

use serde_json::{json, Map, Value};
use stepwell_jsonpath::{
    set_at, set_in, FixedEntropy, Intrinsic, Path, PathOrIntrinsic, Roots, Template,
};

enum Case {
    /// `$`-path against `input` (context `CONTEXT`, variables `VARS`) → value or error text.
    Select(&'static str, Value, Result<Value, &'static str>),
    /// `ResultPath` write: path, target, value → result or (error name, cause).
    Set(
        &'static str,
        Value,
        Value,
        Result<Value, (&'static str, &'static str)>,
    ),
    /// Intrinsic call against `input` → value, or (error name, cause).
    Call(
        &'static str,
        Value,
        Result<Value, (&'static str, &'static str)>,
    ),
    /// Template against `input` → value, or (error name, cause).
    Render(Value, Value, Result<Value, (&'static str, &'static str)>),
    /// Text that must not parse as a path / as an intrinsic / as a template field.
    BadPath(&'static str),
    BadCall(&'static str),
    BadTemplate(Value, &'static [&'static str]),
    /// Path properties: (text, is_definite, is_reference).
    Kind(&'static str, bool, bool),
}

fn context() -> Value {
    json!({"Execution": {"Name": "exec-1", "Input": {"a": 1}}, "StateMachine": {"Id": "arn:sm", "Name": "sm"}})
}

fn variables() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("x".into(), json!({"y": [10, 20]}));
    m.insert("name".into(), json!("Ada"));
    m
}

fn check(i: usize, case: Case) {
    let ctx = context();
    let vars = variables();
    let mut entropy = FixedEntropy::new(vec![0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210, 5]);
    match case {
        Case::Select(text, input, expected) => {
            let roots = Roots {
                input: &input,
                context: &ctx,
                variables: &vars,
            };
            let path = Path::parse(text).unwrap_or_else(|e| panic!("case {i}: {text}: {e}"));
            let got = path
                .select(&roots)
                .map(|v| v.into_owned())
                .map_err(|e| e.to_string());
            let expected = expected.map_err(str::to_string);
            assert_eq!(got, expected, "case {i}: select {text} in {input}");
        }
        Case::Set(text, target, value, expected) => {
            let path = Path::parse(text).unwrap_or_else(|e| panic!("case {i}: {text}: {e}"));
            let copied =
                set_in(&path, &target, value.clone()).map_err(|e| (e.error_name(), e.to_string()));
            let got = set_at(&path, target, value).map_err(|e| (e.error_name(), e.to_string()));
            assert_eq!(copied, got, "case {i}: set_in {text} differs from set_at");
            if let Ok(v) = &got {
                // Key order matters to AWS's output: compare it too.
                assert_eq!(
                    copied.as_ref().map(ToString::to_string).ok(),
                    Some(v.to_string()),
                    "case {i}: key order"
                );
            }
            let expected = expected.map_err(|(n, c)| (n, c.to_string()));
            assert_eq!(got, expected, "case {i}: set {text}");
        }
        Case::Call(text, input, expected) => {
            let roots = Roots {
                input: &input,
                context: &ctx,
                variables: &vars,
            };
            let call = Intrinsic::parse(text).unwrap_or_else(|e| panic!("case {i}: {text}: {e}"));
            let got = call
                .eval(&roots, &mut entropy)
                .map_err(|e| (e.error_name(), e.to_string()));
            let expected = expected.map_err(|(n, c)| (n, c.to_string()));
            assert_eq!(got, expected, "case {i}: {text} on {input}");
        }
        Case::Render(template, input, expected) => {
            let roots = Roots {
                input: &input,
                context: &ctx,
                variables: &vars,
            };
            let t = Template::compile(&template).unwrap_or_else(|e| panic!("case {i}: {e:?}"));
            let got = t
                .render(&roots, &mut entropy)
                .map_err(|e| (e.error_name(), e.to_string()));
            let expected = expected.map_err(|(n, c)| (n, c.to_string()));
            assert_eq!(got, expected, "case {i}: render {template}");
        }
        Case::BadPath(text) => {
            assert!(
                Path::parse(text).is_err(),
                "case {i}: {text:?} should not parse as a path"
            );
        }
        Case::BadCall(text) => {
            assert!(
                Intrinsic::parse(text).is_err(),
                "case {i}: {text:?} should not parse as a call"
            );
        }
        Case::BadTemplate(template, fields) => {
            let errors = Template::compile(&template).err().unwrap_or_default();
            let got: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            let expected: Vec<String> = fields
                .iter()
                .map(|f| format!("The value for the field '{f}' must be a valid JSONPath or a valid intrinsic function call"))
                .collect();
            assert_eq!(got, expected, "case {i}: {template}");
        }
        Case::Kind(text, definite, reference) => {
            let p = Path::parse(text).unwrap_or_else(|e| panic!("case {i}: {text}: {e}"));
            assert_eq!(
                (p.is_definite(), p.is_reference()),
                (definite, reference),
                "case {i}: {text}"
            );
        }
    }
}

const RT: &str = "States.Runtime";

#[test]
fn all_cases() {
    use Case::*;
    let doc = json!({
        "store": {
            "book": [
                {"category": "reference", "author": "Nigel Rees", "title": "Sayings", "price": 8.95},
                {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword", "price": 12.99},
                {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553", "price": 8.99},
                {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord", "isbn": "0-395", "price": 22.99}
            ],
            "bicycle": {"color": "red", "price": 19.95}
        },
        "expensive": 10,
        "odd key": 1, "with-dash": 2, "0lead": 3, "n": null
    });
    let cases = vec![
        // --- definite paths ---
        Select("$", json!({"a": 1}), Ok(json!({"a": 1}))),
        Select("$.store.bicycle.color", doc.clone(), Ok(json!("red"))),
        Select("$['store'][\"bicycle\"]['color']", doc.clone(), Ok(json!("red"))),
        Select("$['odd key']", doc.clone(), Ok(json!(1))),
        Select("$.with-dash", doc.clone(), Ok(json!(2))),
        Select("$.0lead", doc.clone(), Ok(json!(3))),
        Select("$.n", doc.clone(), Ok(json!(null))),
        Select("$.store.book[0].author", doc.clone(), Ok(json!("Nigel Rees"))),
        Select("$.store.book[-1].title", doc.clone(), Ok(json!("The Lord"))),
        Select("$$.Execution.Name", json!({}), Ok(json!("exec-1"))),
        Select("$$", json!({}), Ok(context())),
        Select("$x.y[1]", json!({}), Ok(json!(20))),
        Select("$name", json!({}), Ok(json!("Ada"))),
        // AWS: InputPath/OutputPath errors.
        Select("$.NoSuchInputPath", json!({}), Err("Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']")),
        Select("$.no.such.result.path", json!({"a": 1}), Err("Invalid path '$.no.such.result.path' : Missing property in path $['no']")),
        // Jayway messages for other definite failures.
        Select("$.a.no.x", json!({"a": {}}), Err("Invalid path '$.a.no.x' : Missing property in path $['a']['no']")),
        Select("$.a[5]", json!({"a": [1]}), Err("Invalid path '$.a[5]' : No results for path: $['a'][5]")),
        Select("$.a[0]", json!({"a": null}), Err("Invalid path '$.a[0]' : The path $['a'] is null")),
        Select("$.a[0]", json!({"a": {"b": 1}}), Err("Invalid path '$.a[0]' : Filter: [0] can only be applied to arrays. Current context is: {\"b\":1}")),
        Select("$.a.b", json!({"a": "s"}), Err("Invalid path '$.a.b' : Expected to find an object with property ['b'] in path $['a'] but found 'java.lang.String'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.")),
        Select("$nope", json!({}), Err("Invalid path '$nope' : The variable 'nope' is not defined")),
        // Jayway merges a multi-property leaf into one object (a definite path).
        Select("$['a','c']", json!({"a": 1, "b": 2, "c": 3}), Ok(json!({"a": 1, "c": 3}))),
        // --- indefinite paths ---
        Select("$.store.book[*].author", doc.clone(), Ok(json!(["Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"]))),
        Select("$.store.book.*.price", doc.clone(), Ok(json!([8.95, 12.99, 8.99, 22.99]))),
        Select("$..author", doc.clone(), Ok(json!(["Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"]))),
        Select("$.store..price", doc.clone(), Ok(json!([8.95, 12.99, 8.99, 22.99, 19.95]))),
        Select("$..book[2].title", doc.clone(), Ok(json!(["Moby Dick"]))),
        Select("$.store.book[1:3].price", doc.clone(), Ok(json!([12.99, 8.99]))),
        Select("$.store.book[:2].price", doc.clone(), Ok(json!([8.95, 12.99]))),
        Select("$.store.book[-1:].price", doc.clone(), Ok(json!([22.99]))),
        Select("$.store.book[2:].price", doc.clone(), Ok(json!([8.99, 22.99]))),
        Select("$.store.book[0,2].price", doc.clone(), Ok(json!([8.95, 8.99]))),
        Select("$.store.book[0, 9].price", doc.clone(), Ok(json!([8.95]))),
        Select("$.store.book[?(@.isbn)].title", doc.clone(), Ok(json!(["Moby Dick", "The Lord"]))),
        Select("$.store.book[?(!@.isbn)].title", doc.clone(), Ok(json!(["Sayings", "Sword"]))),
        Select("$.store.book[?(@.price < 10)].title", doc.clone(), Ok(json!(["Sayings", "Moby Dick"]))),
        Select("$.store.book[?(@.price <= 8.99 && @.category == 'fiction')].title", doc.clone(), Ok(json!(["Moby Dick"]))),
        Select("$.store.book[?(@.price > 20 || @.author == \"Nigel Rees\")].title", doc.clone(), Ok(json!(["Sayings", "The Lord"]))),
        Select("$.store.book[?(@.price > $.expensive)].title", doc.clone(), Ok(json!(["Sword", "The Lord"]))),
        Select("$.store.book[?(@.author =~ /.*REES/i)].title", doc.clone(), Ok(json!(["Sayings"]))),
        Select("$.store.book[?(@.author =~ /Rees/)].title", doc.clone(), Ok(json!([]))),
        Select("$.store.book[?(@.category in ['reference', 'x'])].title", doc.clone(), Ok(json!(["Sayings"]))),
        Select("$.store.book[?(@.category nin ['fiction'])].title", doc.clone(), Ok(json!(["Sayings"]))),
        Select("$.store.book[?(!(@.price > 10))].title", doc.clone(), Ok(json!(["Sayings", "Moby Dick"]))),
        Select("$.store.book[?(@.isbn != '0-553')].title", doc.clone(), Ok(json!(["Sayings", "Sword", "The Lord"]))),
        Select("$..[?(@.color)].price", doc.clone(), Ok(json!([19.95]))),
        // AWS (Paths doc): "@ ... does not match scalar values. It only matches objects."
        Select("$.a[?(@ > 1)]", json!({"a": [1, 2, 3]}), Ok(json!([]))),
        // AWS (Paths doc) example.
        Select("$.jar[?(@.a >= 5)]", json!({"jar": [{"a": 1}, {"a": 5}, {"a": 2}, {"a": 7}, {"a": 3}]}), Ok(json!([{"a": 5}, {"a": 7}]))),
        Select("$.a[?(@.x == '1')]", json!({"a": [{"x": 1}, {"x": 2}]}), Ok(json!([{"x": 1}]))),
        // AWS: filters in Parameters (base__state_pass_regex_json_path_base).
        Select("$.users[?(@.status == 0)]", json!({"users": [{"year": 1997, "status": 0}, {"year": 1998, "status": 1}]}), Ok(json!([{"year": 1997, "status": 0}]))),
        // AWS: an indefinite path never fails, even through missing properties.
        Select("$.item.items[1:5].itemValue", json!({}), Ok(json!([]))),
        Select("$[*]", json!({}), Ok(json!([]))),
        Select("$.items[*]", json!({}), Ok(json!([]))),
        Select("$.a[*]", json!({"a": "str"}), Ok(json!([]))),
        Select("$.*", json!({"a": 1, "b": [2]}), Ok(json!([1, [2]]))),
        Select("$..*", json!({"a": {"b": 1}}), Ok(json!([{"b": 1}, 1]))),
        Select("$..a", json!({"a": {"a": 1}}), Ok(json!([{"a": 1}, 1]))),
        // Functions.
        Select("$.a.length()", json!({"a": [1, 2, 3]}), Ok(json!(3))),
        Select("$.a[*].length()", json!({"a": [1, 2, 3]}), Ok(json!(3))),
        Select("$.a.sum()", json!({"a": [1, 2, 3]}), Ok(json!(6.0))),
        Select("$.a.avg()", json!({"a": [1, 2, 3]}), Ok(json!(2.0))),
        Select("$.a.max()", json!({"a": [1, 5, 3]}), Ok(json!(5.0))),
        Select("$.a.keys()", json!({"a": {"x": 1, "y": 2}}), Ok(json!(["x", "y"]))),
        Select("$.a.min()", json!({"a": []}), Err("Invalid path '$.a.min()' : Aggregation function attempted to calculate value using empty array")),
        // Jayway reads any bracket after a '.': AWS's example in "Using
        // JSONPath paths" is `$.abc.['def ghi']`.
        Select("$.abc.['def ghi']", json!({"abc": {"def ghi": 1}}), Ok(json!(1))),
        Select("$.['a'].b", json!({"a": {"b": 2}}), Ok(json!(2))),
        Select("$.a.[1]", json!({"a": [1, 2]}), Ok(json!(2))),
        Select("$.a.[*]", json!({"a": [1, 2]}), Ok(json!([1, 2]))),
        Select("$.a.[0,1]", json!({"a": [1, 2, 3]}), Ok(json!([1, 2]))),
        Select("$.a.[1:]", json!({"a": [1, 2, 3]}), Ok(json!([2, 3]))),
        Select("$.a.['x','y']", json!({"a": {"x": 1, "y": 2, "z": 3}}), Ok(json!({"x": 1, "y": 2}))),
        Select("$.a.[?(@.k > 1)].k", json!({"a": [{"k": 1}, {"k": 2}]}), Ok(json!([2]))),
        Select("$x.['y'].[0]", json!({}), Ok(json!(10))),
        // --- path kinds ---
        Kind("$", true, true),
        Kind("$.a.b[0]", true, true),
        Kind("$['a b'][2]", true, true),
        Kind("$.a[-1]", true, false),
        Kind("$.a[*]", false, false),
        Kind("$.a[0,1]", false, false),
        Kind("$.a[1:]", false, false),
        Kind("$..a", false, false),
        Kind("$.a[?(@.b)]", false, false),
        Kind("$.a.length()", true, false),
        Kind("$$.Execution.Input", true, true),
        Kind("$.abc.['def ghi']", true, true),
        Kind("$.a.[0]", true, true),
        Kind("$.a.[*]", false, false),
        // --- parse errors ---
        BadPath(""),
        BadPath("a.b"),
        BadPath("$."),
        BadPath("$.."),
        BadPath("$.a b"),
        BadPath("$["),
        BadPath("$[]"),
        BadPath("$['a'"),
        BadPath("$[1:2:3]"),
        BadPath("$[?(@.a =~ /(/)]"),
        BadPath("$.a.nosuchfn()"),
        BadPath("$.a.length().b"),
        BadPath("$[99999999999999999999]"),
        BadPath("$.a.["),
        BadPath("$.a.[]"),
        BadPath("$.a.[?]"),
        BadPath("$.a..."),
        // --- ResultPath ---
        Set("$", json!({"a": 1}), json!(2), Ok(json!(2))),
        Set("$.r", json!({"a": 1}), json!(2), Ok(json!({"a": 1, "r": 2}))),
        Set("$.a", json!({"a": 1}), json!({"x": 1}), Ok(json!({"a": {"x": 1}}))),
        Set("$.x.y.z", json!({}), json!(true), Ok(json!({"x": {"y": {"z": true}}}))),
        Set("$.a[1]", json!({"a": [1, 2]}), json!(9), Ok(json!({"a": [1, 9]}))),
        Set("$.a[1].b", json!({"a": [1, {}]}), json!(9), Ok(json!({"a": [1, {"b": 9}]}))),
        Set("$.a", json!("str"), json!(1), Err(("States.ResultPathMatchFailure", "Unable to apply ReferencePath $.a to input \"str\""))),
        Set("$.a.b", json!({"a": [1]}), json!(1), Err(("States.ResultPathMatchFailure", "Unable to apply ReferencePath $.a.b to input {\"a\":[1]}"))),
        Set("$.a[3]", json!({"a": [1]}), json!(1), Err(("States.ResultPathMatchFailure", "Unable to apply ReferencePath $.a[3] to input {\"a\":[1]}"))),
        Set("$.x[0]", json!({}), json!(1), Err(("States.ResultPathMatchFailure", "Unable to apply ReferencePath $.x[0] to input {}"))),
        Set("$.a[*]", json!({"a": [1]}), json!(1), Err((RT, "The path '$.a[*]' is not a valid reference path"))),
        Set("$$.a", json!({}), json!(1), Err((RT, "The path '$$.a' is not a valid reference path"))),
        // --- templates ---
        Render(json!({"a": 1, "b.$": "$.x", "c": {"d.$": "$$.Execution.Name"}, "e": [{"f.$": "$name"}, 2]}), json!({"x": "y"}),
            Ok(json!({"a": 1, "b": "y", "c": {"d": "exec-1"}, "e": [{"f": "Ada"}, 2]}))),
        Render(json!({"v.$": "States.Format('{}-{}', $.x, $x.y[0])"}), json!({"x": "y"}), Ok(json!({"v": "y-10"}))),
        Render(json!({"all.$": "$"}), json!([1]), Ok(json!({"all": [1]}))),
        // AWS: base_scenarios__invalid_jsonpath__*.
        Render(json!({"value.$": "$.no_such_jsonpath"}), json!({"a": 1}),
            Err((RT, "The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{\"a\":1}'"))),
        Render(json!({"o": {"value.$": "$$.Execution.Input.nope"}}), json!({"a": 1}),
            Err((RT, "The JSONPath '$$.Execution.Input.nope' specified for the field 'value.$' could not be found in the input '{\"a\":1}'"))),
        // AWS: a Result-like constant with `.$` keys would be processed; plain strings starting with `$` are literal.
        Render(json!({"k": "$.not.a.path", "l": "States.Format('x')"}), json!({}), Ok(json!({"k": "$.not.a.path", "l": "States.Format('x')"}))),
        BadTemplate(json!({"a.$": "nope", "b": {"c.$": 3}, "d.$": "$.ok", "e.$": "States.Nope()"}), &["a.$", "c.$", "e.$"]),
        // AWS: base_scenarios__illegal_escapes__*.
        BadTemplate(json!({"parsed.$": "States.StringToJson('{\"text\":\"An \\\"escaped double quote\\\" here\"}')"}), &["parsed.$"]),
        BadTemplate(json!({"parsed.$": "States.Format('He said, \\\"Hello, {}!\\\"', 'Test \\\"Name\\\" Here')"}), &["parsed.$"]),
        // --- intrinsic parse errors ---
        BadCall("States.Format("),
        BadCall("States.Format('a'"),
        BadCall("States.Format('a',)"),
        BadCall("States.Foo()"),
        BadCall("Format('a')"),
        BadCall("States.Format('a') x"),
        BadCall("States.Format('\\n')"),
        BadCall("States.Array(tru)"),
        BadCall("States.Array($.a b)"),
        // --- intrinsics ---
        Call("States.Format('Hello, my name is {}.', $.name)", json!({"name": "Arnav"}), Ok(json!("Hello, my name is Arnav."))),
        Call("States.Format($.template, $.name)", json!({"name": "Arnav", "template": "Hello, my name is {}."}), Ok(json!("Hello, my name is Arnav."))),
        Call("States.Format('{} {} {} {}', $.s, 2, true, null)", json!({"s": "x"}), Ok(json!("x 2 true null"))),
        Call("States.Format('{}|{}', $.o, $.a)", json!({"o": {"Id": "arn", "Name": "n", "L": [1, "a"]}, "a": [1.5, {"k": null}]}), Ok(json!("{Id=arn, Name=n, L=[1, a]}|[1.5, {k=null}]"))),
        Call("States.Format('\\{\\}{}\\'\\\\', 'x')", json!({}), Ok(json!("{}x'\\"))),
        Call("States.Format('no placeholders')", json!({}), Ok(json!("no placeholders"))),
        Call("States.Format('{} {}', 'a')", json!({}), Err((RT, "There was an error while evaluating the intrinsic function: States.Format('{} {}', 'a'). Invalid arguments in States.Format: number of arguments do not match the occurrences of {}."))),
        Call("States.Format('Hello {', 'a')", json!({}), Err((RT, "There was an error while evaluating the intrinsic function: States.Format('Hello {', 'a'). Invalid template in States.Format: matching '}' not found for '{'."))),
        Call("States.Format($.t)", json!({"t": 3}), Err((RT, "There was an error while evaluating the intrinsic function: States.Format($.t). Invalid arguments in States.Format"))),
        Call("States.StringToJson($.s)", json!({"s": "{\"foo\": \"bar\"}"}), Ok(json!({"foo": "bar"}))),
        Call("States.StringToJson('')", json!({}), Ok(json!(null))),
        Call("States.StringToJson('-0')", json!({}), Ok(json!(0))),
        Call("States.StringToJson('{')", json!({}), Err((RT, "There was an error while evaluating the intrinsic function: States.StringToJson('{'). Invalid arguments in States.StringToJson"))),
        Call("States.JsonToString($.o)", json!({"o": {"foo": "bar", "n": 1.0}}), Ok(json!("{\"foo\":\"bar\",\"n\":1.0}"))),
        Call("States.Array()", json!({}), Ok(json!([]))),
        Call("States.Array($.Id, 'a', 1, -2.5, true, null, States.Array(1))", json!({"Id": 123456}), Ok(json!([123456, "a", 1, -2.5, true, null, [1]]))),
        Call("States.ArrayPartition(States.ArrayRange(1, 9, 1), 4)", json!({}), Ok(json!([[1, 2, 3, 4], [5, 6, 7, 8], [9]]))),
        Call("States.ArrayPartition($.a, 2.6)", json!({"a": [1, 2, 3, 4, 5]}), Ok(json!([[1, 2], [3, 4], [5]]))),
        Call("States.ArrayPartition($.a, 0.6)", json!({"a": [1]}), Err((RT, "There was an error while evaluating the intrinsic function: States.ArrayPartition($.a, 0.6). Invalid arguments in States.ArrayPartition"))),
        Call("States.ArrayContains($.a, $.v)", json!({"a": [1, 2, 3, 4], "v": 3}), Ok(json!(true))),
        Call("States.ArrayContains($.a, true)", json!({"a": ["true"]}), Ok(json!(true))),
        Call("States.ArrayContains($.a, $.v)", json!({"a": [{"a": 1, "b": 2}], "v": {"b": 2, "a": 1}}), Ok(json!(false))),
        Call("States.ArrayContains($.a, null)", json!({"a": [1, null]}), Ok(json!(true))),
        Call("States.ArrayRange(1, 9, 2)", json!({}), Ok(json!([1, 3, 5, 7, 9]))),
        Call("States.ArrayRange(5, 1, -2)", json!({}), Ok(json!([5, 3, 1]))),
        Call("States.ArrayRange(5, 1, 1)", json!({}), Ok(json!([]))),
        Call("States.ArrayRange(3, 3, -1)", json!({}), Ok(json!([3]))),
        Call("States.ArrayRange(1.6, 1.4, 1)", json!({}), Ok(json!([1]))),
        Call("States.ArrayRange(5.4, -0.6, -2.4)", json!({}), Ok(json!([5, 3, 1]))),
        Call("States.ArrayRange(0, 3, 1)", json!({}), Ok(json!([0, 1, 2, 3]))),
        Call("States.ArrayRange(1, 1001, 1)", json!({}), Err((RT, "There was an error while evaluating the intrinsic function: States.ArrayRange(1, 1001, 1). Invalid arguments in States.ArrayRange"))),
        Call("States.ArrayRange(1, 10, 0.49)", json!({}), Err((RT, "There was an error while evaluating the intrinsic function: States.ArrayRange(1, 10, 0.49). Invalid arguments in States.ArrayRange"))),
        Call("States.ArrayRange(1, 5)", json!({}), Err((RT, "There was an error while evaluating the intrinsic function: States.ArrayRange(1, 5). Invalid arguments in States.ArrayRange"))),
        Call("States.ArrayGetItem($.a, $.i)", json!({"a": [1, 2, 3], "i": 1}), Ok(json!(2))),
        Call("States.ArrayGetItem($.a, 1.2)", json!({"a": [10, 20, 30]}), Ok(json!(20))),
        Call("States.ArrayGetItem($.a, 999)", json!({"a": []}), Ok(json!(null))),
        Call("States.ArrayGetItem($.a, 3)", json!({"a": [10, 20, 30]}), Err((RT, "There was an error while evaluating the intrinsic function: States.ArrayGetItem($.a, 3). Invalid arguments in States.ArrayGetItem"))),
        Call("States.ArrayGetItem($.a, -1)", json!({"a": [10]}), Err((RT, "There was an error while evaluating the intrinsic function: States.ArrayGetItem($.a, -1). Invalid arguments in States.ArrayGetItem"))),
        Call("States.ArrayLength($.a)", json!({"a": [1, 2, 3]}), Ok(json!(3))),
        Call("States.ArrayLength($.a)", json!({"a": "x"}), Err((RT, "There was an error while evaluating the intrinsic function: States.ArrayLength($.a). Invalid arguments in States.ArrayLength"))),
        Call("States.ArrayUnique($.a)", json!({"a": [1, 2, 3, 3, 3, 3, 3, 3, 4]}), Ok(json!([1, 2, 3, 4]))),
        Call("States.Base64Encode($.s)", json!({"s": "Data to encode"}), Ok(json!("RGF0YSB0byBlbmNvZGU="))),
        Call("States.Base64Decode($.s)", json!({"s": "RGF0YSB0byBlbmNvZGU="}), Ok(json!("Data to encode"))),
        Call("States.Base64Decode('4pyT')", json!({}), Ok(json!("✓"))),
        Call("States.Base64Decode(' YWJjZA== ')", json!({}), Ok(json!("abcd"))),
        Call("States.Base64Decode(123)", json!({}), Err((RT, "There was an error while evaluating the intrinsic function: States.Base64Decode(123). Invalid arguments in States.Base64Decode"))),
        Call("States.Hash('hello', 'MD5')", json!({}), Ok(json!("5d41402abc4b2a76b9719d911017c592"))),
        Call("States.Hash('hello', 'SHA-1')", json!({}), Ok(json!("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"))),
        Call("States.Hash('hello', 'SHA-256')", json!({}), Ok(json!("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"))),
        Call("States.Hash('hello', 'SHA-512')", json!({}), Ok(json!("9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043"))),
        Call("States.Hash('data', 'sha-256')", json!({}), Err((RT, "There was an error while evaluating the intrinsic function: States.Hash('data', 'sha-256'). Invalid arguments in States.Hash"))),
        Call("States.Hash($.missing, 'SHA-256')", json!({}), Err((RT, "There was an error while evaluating the intrinsic function: States.Hash($.missing, 'SHA-256'). The JsonPath argument for the field '$.missing' could not be found in the input '{}'"))),
        Call("States.JsonMerge($.a, $.b, false)", json!({"a": {"x": 1, "y": {"p": 1}}, "b": {"y": {"q": 2}, "z": 3}}), Ok(json!({"x": 1, "y": {"q": 2}, "z": 3}))),
        Call("States.JsonMerge($.a, $.b, true)", json!({"a": {}, "b": {}}), Err((RT, "There was an error while evaluating the intrinsic function: States.JsonMerge($.a, $.b, true). Invalid arguments in States.JsonMerge"))),
        Call("States.MathAdd(111, -1)", json!({}), Ok(json!(110))),
        Call("States.MathAdd($.a, $.b)", json!({"a": -1.5, "b": -1.51}), Ok(json!(-3))),
        Call("States.MathAdd($.a, 0)", json!({"a": 2.5}), Ok(json!(3))),
        Call("States.MathAdd($.a, 1)", json!({"a": "NOT A NUMBER"}), Err((RT, "There was an error while evaluating the intrinsic function: States.MathAdd($.a, 1). Invalid arguments in States.MathAdd"))),
        Call("States.MathAdd(2147483648, 1)", json!({}), Err((RT, "There was an error while evaluating the intrinsic function: States.MathAdd(2147483648, 1). Invalid arguments in States.MathAdd"))),
        Call("States.MathRandom(1, 999)", json!({}), Ok(json!(1 + (0x0123_4567_89ab_cdef_u64 % 998)))),
        Call("States.MathRandom(1.6, 5.4)", json!({}), Ok(json!(1 + (0x0123_4567_89ab_cdef_u64 % 4)))),
        Call("States.MathRandom(1.4, 1.6)", json!({}), Err((RT, "There was an error while evaluating the intrinsic function: States.MathRandom(1.4, 1.6). Invalid arguments in States.MathRandom"))),
        Call("States.MathRandom(1, 10, null)", json!({}), Err((RT, "There was an error while evaluating the intrinsic function: States.MathRandom(1, 10, null). Invalid arguments in States.MathRandom"))),
        // Seeded: java.util.Random(seed).nextInt(end - start) + start, values checked with a JVM.
        Call("States.MathRandom(0, 100, 42)", json!({}), Ok(json!(30))),
        Call("States.MathRandom(0, 999, 3)", json!({}), Ok(json!(239))),
        Call("States.MathRandom(1, 10, -10)", json!({}), Ok(json!(1))),
        Call("States.MathRandom(0, 1048576, 7)", json!({}), Ok(json!(766193))),
        Call("States.StringSplit($.s, ',')", json!({"s": "1,2,3,4,5"}), Ok(json!(["1", "2", "3", "4", "5"]))),
        Call("States.StringSplit($.s, '.+,=')", json!({"s": "This.is+a,test=string"}), Ok(json!(["This", "is", "a", "test", "string"]))),
        Call("States.StringSplit(', , ,', ',')", json!({}), Ok(json!([" ", " "]))),
        Call("States.UUID()", json!({}), Ok(json!("01234567-89ab-4def-bedc-ba9876543210"))),
        Call("States.UUID(1)", json!({}), Err((RT, "There was an error while evaluating the intrinsic function: States.UUID(1). Invalid arguments in States.UUID"))),
        // AWS: generic__nested_calls_2 shape, with a context path and nested calls.
        Call("States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))", json!({}), Ok(json!("sm"))),
        Call("States.Format('{}', $name)", json!({}), Ok(json!("Ada"))),
        Call("States.Array($.a[?(@.v > 1)].v, $..b)", json!({"a": [{"v": 1}, {"v": 2}], "c": {"b": 3}}), Ok(json!([[2], [3]]))),
        Call("States.Array( 1 ,'a' )", json!({}), Ok(json!([1, "a"]))),
    ];
    let n = cases.len();
    for (i, case) in cases.into_iter().enumerate() {
        check(i, case);
    }
    assert!(n > 150, "only {n} cases");
}

#[test]
fn path_or_intrinsic_names_its_field() {
    let input = json!({"a": 1});
    let roots = Roots::input_only(&input);
    let mut entropy = FixedEntropy::default();
    let p = PathOrIntrinsic::parse("$.ErrorX").expect("parses");
    let e = p
        .eval_field("ErrorPath", &roots, &mut entropy)
        .expect_err("missing");
    // AWS: base_scenarios__invalid_jsonpath__invalid_jsonpath_in_errorpath
    assert_eq!(
        e.to_string(),
        "The JSONPath '$.ErrorX' specified for the field 'ErrorPath' could not be found in the input '{\"a\":1}'"
    );
    let i = PathOrIntrinsic::parse("States.Format('{}', $.a)").expect("parses");
    assert_eq!(i.eval(&roots, &mut entropy).expect("evaluates"), json!("1"));
}

#[test]
fn constant_templates_are_reported() {
    let t = Template::compile(&json!({"a": [1, {"b": "c"}]})).expect("compiles");
    assert!(t.is_constant());
    let t = Template::compile(&json!({"a": [1, {"b.$": "$"}]})).expect("compiles");
    assert!(!t.is_constant());
}

/// AWS renders a template's fields without `.$` first, then the `.$` ones
/// in a Java `HashMap`'s order (recorded conformance outputs).
#[test]
fn rendered_fields_come_in_aws_order() {
    let keys = |template: Value, input: Value| -> Vec<String> {
        let (ctx, vars) = (json!({}), Map::new());
        let roots = Roots {
            input: &input,
            context: &ctx,
            variables: &vars,
        };
        let t = Template::compile(&template).expect("compiles");
        let out = t
            .render(&roots, &mut FixedEntropy::default())
            .expect("renders");
        out.as_object().expect("object").keys().cloned().collect()
    };
    // base_scenarios__map_state_parameters_singleton_legacy (16 buckets).
    let got = keys(
        json!({"original_input.$": "$", "iteration_input_value.$": "$.v",
               "iteration_index.$": "$.i", "from_input_constant.$": "$.c",
               "constant_value": "HelloWorld"}),
        json!({"v": "A", "i": 0, "c": "UQS"}),
    );
    let want = [
        "constant_value",
        "iteration_input_value",
        "from_input_constant",
        "iteration_index",
        "original_input",
    ];
    assert_eq!(got, want);
    // base__query_context_object_values: thirteen fields, 32 buckets.
    let names = [
        "context_object",
        "execution",
        "execution_id",
        "execution_input",
        "execution_name",
        "execution_rolearn",
        "execution_starttime",
        "state",
        "state_enteredtime",
        "state_name",
        "statemachine",
        "statemachine_id",
        "statemachine_name",
    ];
    let template: Map<String, Value> = names
        .iter()
        .map(|n| (format!("{n}.$"), json!("$")))
        .collect();
    let got = keys(Value::Object(template), json!({}));
    let want = [
        "execution",
        "execution_rolearn",
        "execution_name",
        "statemachine_id",
        "execution_id",
        "execution_input",
        "execution_starttime",
        "state_name",
        "state_enteredtime",
        "statemachine",
        "state",
        "context_object",
        "statemachine_name",
    ];
    assert_eq!(got, want);
    // A field without `.$` comes first even when paths are below it
    // (callback__sqs_wait_for_task_token: `MessageBody`, then `QueueUrl`).
    let got = keys(
        json!({"QueueUrl.$": "$.q", "MessageBody": {"TaskToken.$": "$.t"}}),
        json!({"q": "u", "t": "x"}),
    );
    assert_eq!(got, ["MessageBody", "QueueUrl"]);
}
