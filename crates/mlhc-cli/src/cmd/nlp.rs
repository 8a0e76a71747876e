//! `mlhc nlp annotate|evaluate|deid|to-meds|tfidf|lift`: clinical text through mlhc-nlp's rule-based pipeline.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use mlhc_nlp::approximate::ApproximateParams;
use mlhc_nlp::context::rules::{parse_context_rules_json, parse_negex_triggers};
use mlhc_nlp::context::{Category, ConText};
use mlhc_nlp::deid::{AgePolicy, Deidentifier};
use mlhc_nlp::lexicon::{parse_lexicon_json, parse_lexicon_tsv, Lexicon, LexiconEntry};
use mlhc_nlp::pipeline::{default_context, default_sectionizer, negation_context, Annotation, Pipeline};
use mlhc_nlp::section::{parse_section_rules_json, HeaderPosition, Sectionizer};
use rayon::prelude::*;

use crate::ui;

/// Subcommands of `mlhc nlp`.
#[derive(Debug, clap::Subcommand)]
pub enum NlpCommand {
    /// Find concepts in clinical text, with sentence, section and ConText assertions (negated,
    /// possible, historical, hypothetical, family) and byte offsets into the input.
    #[command(after_help = "Input: a text file, `-` for standard input, or a folder (every *.txt file in it, \
annotated in parallel; with --json one JSON object per line, each with its \"file\"). Text that is not valid \
UTF-8 is decoded lossily (invalid bytes become U+FFFD, which keeps byte offsets only up to the first \
replacement) and a warning names the file.\n\nDefaults: the ICD-10-CM lexicon (descriptions and inclusion \
terms, label PROBLEM), medspaCy 1.3.1's English ConText and section rules, and its section-to-assertion \
mapping (past_medical_history -> historical, family_history -> family, allergy -> hypothetical, ...; listed \
per target as \"section_flags\").\n\nExamples:\n  \
mlhc nlp annotate testdata/clinical-nlp/example_discharge_summary_SYNTHETIC.txt\n  \
echo 'No evidence of pneumonia. Mother with breast cancer.' | mlhc nlp annotate - --json\n  \
mlhc nlp annotate testdata/clinical-nlp/example_discharge_summary_SYNTHETIC.txt --html note.html\n  \
echo 'Type 2 diabetis mellitus; pressure ulcers.' | mlhc nlp annotate - --approximate --similarity dice --threshold 0.75")]
    Annotate(AnnotateArgs),
    /// Score negation on a NegEx-format test set (report, concept, sentence, Affirmed/Negated).
    #[command(after_help = "A sentence counts as negated when a NEGATED_EXISTENCE trigger modifies the concept; \
POSSIBLE_EXISTENCE counts as not negated (reported separately in the text output). The concept is located in \
its sentence ignoring case and spacing, preferring an occurrence written in upper case, as the NegEx test set \
marks it.\n\nDefault rules: the NegEx trigger list plus mlhc's six additions (see the mlhc-nlp docs).\n\n\
Example:\n  mlhc nlp evaluate --negex testdata/clinical-nlp/annotations-dev.tsv --json")]
    Evaluate(EvaluateArgs),
    /// Mask protected health information (names, dates, phones, e-mails, IDs, ages, locations) by rules.
    #[command(after_help = "Rules: see the mlhc-nlp deid module docs. No name dictionary is used: names are \
found after titles (Dr., Mr., Patient) and as capitalized pairs opening a sentence. Ages are PHI only over \
89 (HIPAA Safe Harbor) unless --all-ages.\n\nExamples:\n  \
echo 'Dr. Linda Chen saw the patient on 03/12/2098.' | mlhc nlp deid -\n  \
mlhc nlp deid note.txt --json")]
    Deid(DeidArgs),
    /// Turn note text (`text_value`) in a MEDS dataset into concept events whose codes carry the
    /// ConText assertion, so text features join tasks and tabularization.
    #[command(
        name = "to-meds",
        after_help = "Every event with a text_value is annotated (default lexicon and \
rules as in `annotate`); each target becomes an event of the same subject at the same time with code \
PREFIX//CODE//ASSERTION, e.g. NOTE//ICD10CM//I50.9//NEGATED (AFFIRMED when unmodified; several flags joined by \
`+`). The output is a new MEDS dataset with the same shard names and subject splits.\n\nPlain note \
files: with --index, INPUT is a folder of note files and the index a CSV file with a header naming the \
columns file, subject_id and time (ISO 8601 `YYYY-MM-DD[ HH:MM[:SS]]`, or empty for no time), e.g.\n  \
file,subject_id,time\n  n1.txt,17,2130-04-02 08:30:00\nThe output then has one shard, `0`, and no splits.\n\n\
Examples:\n  mlhc nlp to-meds NOTES_MEDS_DIR OUT_DIR\n  mlhc nlp to-meds NOTES_FOLDER OUT_DIR --index notes.csv --json"
    )]
    ToMeds(ToMedsArgs),
    /// TF-IDF features of a folder of notes (scikit-learn's TfidfVectorizer defaults), over words or
    /// over concept codes with their assertion.
    #[command(after_help = "Each *.txt file of the folder is one document. Words: lower-cased tokens of two \
or more letters or digits (like scikit-learn's default token_pattern). With --concepts the tokens are the \
targets' CODE//ASSERTION (default lexicon and rules as in `annotate`). idf = ln((1 + n) / (1 + df)) + 1; rows \
are raw counts times idf, L2-normalized.\n\nJSON: {\"documents\", \"vocabulary\", \"idf\", \"rows\": [{\"file\", \
\"features\": {term: weight}}]}.\n\nExamples:\n  mlhc nlp tfidf NOTES_FOLDER --top 5\n  \
mlhc nlp tfidf NOTES_FOLDER --concepts --json")]
    Tfidf(TfidfArgs),
    /// Concept co-occurrence across a folder of notes, with lift = P(a, b) / (P(a) P(b)).
    #[command(after_help = "Each *.txt file of the folder is one document; a concept counts once per \
document. By default a concept is the first code of an affirmed target (not negated, possible, \
hypothetical or family); --with-assertion keeps every target as CODE//ASSERTION. lift = both * n / \
(count_a * count_b); pairs sorted by decreasing lift.\n\nJSON: [{\"a\", \"b\", \"both\", \"count_a\", \
\"count_b\", \"lift\"}].\n\nExample:\n  mlhc nlp lift NOTES_FOLDER --min-both 5 --top 20")]
    Lift(LiftArgs),
    /// Look phrases up in a lexicon by character 3-gram similarity: every term reaching the
    /// threshold, most similar first (what `annotate --approximate` scores each text span against).
    #[command(after_help = "Phrases come from the arguments, or one per line from standard input with `-`. \
Phrases and terms are compared normalized (lower case, tokens joined by one space) as multisets of character \
3-grams without begin/end marks, QuickUMLS's SimString features; see the mlhc-nlp approximate module docs.\n\n\
JSON: one object per phrase, {\"phrase\", \"hits\": [{\"term\", \"codes\", \"similarity\"}]}, one per line.\n\n\
Examples:\n  mlhc nlp lookup 'type 2 diabetis mellitus' 'pressure ulcers' --similarity dice --threshold 0.75\n  \
printf 'pnuemonia\\nhypertention\\n' | mlhc nlp lookup - --threshold 0.5 --json")]
    Lookup(LookupArgs),
}

/// Filters for a UMLS `MRCONSO.RRF` given as a lexicon.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct UmlsFilterArgs {
    /// With a UMLS MRCONSO.RRF lexicon: keep only strings from these source vocabularies (SAB),
    /// e.g. SNOMEDCT_US,RXNORM. By default, all sources.
    #[arg(long, value_delimiter = ',')]
    umls_sources: Vec<String>,
    /// With a UMLS MRCONSO.RRF lexicon: keep only concepts of these semantic types (TUIs), e.g.
    /// T047,T184 (QuickUMLS's accepted_semtypes). Needs MRSTY.RRF beside MRCONSO.RRF.
    #[arg(long, value_delimiter = ',')]
    umls_semtypes: Vec<String>,
}

/// Arguments of `mlhc nlp lookup`.
#[derive(Debug, clap::Args)]
pub struct LookupArgs {
    /// Phrases to look up, or `-` to read one phrase per line from standard input.
    #[arg(required = true)]
    phrases: Vec<String>,
    /// Lexicon file(s), as for `annotate`. By default, ICD-10-CM.
    #[arg(long = "lexicon")]
    lexicons: Vec<PathBuf>,
    #[command(flatten)]
    umls: UmlsFilterArgs,
    /// Least similarity, in (0, 1].
    #[arg(long, default_value_t = 0.7)]
    threshold: f64,
    /// Similarity measure: jaccard, dice, cosine or overlap.
    #[arg(long, default_value = "jaccard")]
    similarity: String,
    /// Show at most K terms per phrase (0: all; JSON always has all).
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Print machine-readable JSON lines.
    #[arg(long)]
    json: bool,
}

/// Arguments of `mlhc nlp tfidf`.
#[derive(Debug, clap::Args)]
pub struct TfidfArgs {
    /// A folder of *.txt notes.
    input: PathBuf,
    /// Use concept codes with their assertion (CODE//ASSERTION) instead of words.
    #[arg(long)]
    concepts: bool,
    /// Lexicon file(s) for --concepts, as for `annotate`. By default, ICD-10-CM.
    #[arg(long = "lexicon")]
    lexicons: Vec<PathBuf>,
    #[command(flatten)]
    umls: UmlsFilterArgs,
    /// Show only the K highest-weighted terms of each note (text output).
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Print machine-readable JSON (every weight).
    #[arg(long)]
    json: bool,
}

/// Arguments of `mlhc nlp lift`.
#[derive(Debug, clap::Args)]
pub struct LiftArgs {
    /// A folder of *.txt notes.
    input: PathBuf,
    /// Lexicon file(s), as for `annotate`. By default, ICD-10-CM.
    #[arg(long = "lexicon")]
    lexicons: Vec<PathBuf>,
    #[command(flatten)]
    umls: UmlsFilterArgs,
    /// Keep every target, as CODE//ASSERTION (by default only affirmed targets, as CODE).
    #[arg(long)]
    with_assertion: bool,
    /// Least number of notes holding both concepts of a pair.
    #[arg(long, default_value_t = 1)]
    min_both: usize,
    /// Show only the first K pairs (0: all).
    #[arg(long, default_value_t = 0)]
    top: usize,
    /// Print machine-readable JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `mlhc nlp to-meds`.
#[derive(Debug, clap::Args)]
pub struct ToMedsArgs {
    /// The MEDS dataset holding notes in `text_value`, or with --index a folder of note files.
    input: PathBuf,
    /// CSV file mapping each note file of INPUT to its subject and time (columns file, subject_id,
    /// time); makes INPUT a folder of plain note files.
    #[arg(long)]
    index: Option<PathBuf>,
    /// The new MEDS dataset to write (an empty or new folder).
    output: PathBuf,
    /// Lexicon file(s), as for `annotate`. By default, ICD-10-CM.
    #[arg(long = "lexicon")]
    lexicons: Vec<PathBuf>,
    #[command(flatten)]
    umls: UmlsFilterArgs,
    /// Code prefix of the events. By default, NOTE//ICD10CM.
    #[arg(long, default_value = "NOTE//ICD10CM")]
    code_prefix: String,
    /// Print a JSON summary.
    #[arg(long)]
    json: bool,
}

/// Arguments of `mlhc nlp deid`.
#[derive(Debug, clap::Args)]
pub struct DeidArgs {
    /// A text file, or `-` for standard input.
    input: PathBuf,
    /// Treat every age as PHI (by default only ages over 89).
    #[arg(long)]
    all_ages: bool,
    /// Replace PHI with consistent stand-ins (`Jane Doe` -> `Alex Morgan`) instead of `[**Name**]` masks.
    #[arg(long)]
    surrogate: bool,
    /// Print the PHI spans and the output text as JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `mlhc nlp annotate`.
#[derive(Debug, clap::Args)]
pub struct AnnotateArgs {
    /// A text file, a folder of *.txt files, or `-` for standard input.
    input: PathBuf,
    /// Lexicon file(s): TSV (`term<TAB>code[<TAB>label]`) or JSON (`[{"term", "code", "label"}]`, by
    /// extension); a UMLS `MRCONSO.RRF` (English, not suppressible; code = CUI; label = the semantic
    /// type from `MRSTY.RRF` beside it, if there) or a SNOMED CT RF2 `sct2_Description_*.txt` (active
    /// descriptions; code = concept id; label = the FSN's semantic tag), by file name. Replaces the
    /// default ICD-10-CM lexicon unless --icd10cm is also given.
    #[arg(long = "lexicon")]
    lexicons: Vec<PathBuf>,
    #[command(flatten)]
    umls: UmlsFilterArgs,
    /// Also use the ICD-10-CM lexicon when --lexicon is given.
    #[arg(long)]
    icd10cm: bool,
    /// Label for lexicon entries without one. By default, PROBLEM.
    #[arg(long, default_value = "PROBLEM")]
    label: String,
    /// ConText rules: medspaCy JSON (`*.json`) or a NegEx trigger file (negation). By default,
    /// medspaCy 1.3.1's English context_rules.json.
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Section rules in medspaCy's section_patterns.json format. By default, medspaCy 1.3.1's.
    #[arg(long)]
    sections: Option<PathBuf>,
    /// Only count section headers that start a line (medspaCy counts them anywhere).
    #[arg(long)]
    headers_at_line_start: bool,
    /// Do not set assertions from the section (by default, as medspaCy 1.3.1: targets in past
    /// medical history are historical, in family history family, in allergy, education and patient
    /// instructions hypothetical).
    #[arg(long)]
    no_section_attributes: bool,
    /// Also write a self-contained HTML view of the note (targets coloured by assertion, triggers
    /// underlined, section headers marked) to this file. Only for a single note.
    #[arg(long)]
    html: Option<PathBuf>,
    /// Worker threads for a folder. By default, all cores.
    #[arg(long)]
    threads: Option<usize>,
    /// Also match lexicon terms approximately, by character 3-gram similarity (QuickUMLS-style):
    /// misspellings and plural/singular forms. Each target then reports its "similarity".
    #[arg(long)]
    approximate: bool,
    /// Least similarity of an approximate match, in (0, 1].
    #[arg(long, default_value_t = 0.7, requires = "approximate")]
    threshold: f64,
    /// Similarity measure of approximate matching: jaccard, dice, cosine or overlap.
    #[arg(long, default_value = "jaccard", requires = "approximate")]
    similarity: String,
    /// Print machine-readable JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `mlhc nlp evaluate`.
#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    /// The NegEx-format test set (tab-separated, optional header).
    #[arg(long)]
    negex: PathBuf,
    /// ConText rules: medspaCy JSON (`*.json`) or a NegEx trigger file. By default, the NegEx
    /// triggers plus mlhc's additions.
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Print machine-readable JSON: {"tp", "fp", "fn", "tn", "precision", "recall", "f1", "accuracy"}.
    #[arg(long)]
    json: bool,
}

/// Runs `mlhc nlp …`.
pub fn run(cmd: NlpCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        NlpCommand::Annotate(args) => annotate(args),
        NlpCommand::Evaluate(args) => evaluate(args),
        NlpCommand::Deid(args) => deid(args),
        NlpCommand::ToMeds(args) => to_meds(args),
        NlpCommand::Tfidf(args) => tfidf(args),
        NlpCommand::Lift(args) => lift(args),
        NlpCommand::Lookup(args) => lookup(args),
    }
}

fn lookup(args: LookupArgs) -> anyhow::Result<ExitCode> {
    let phrases: Vec<String> = if args.phrases.len() == 1 && args.phrases[0] == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).context("cannot read phrases from standard input")?;
        text.lines().map(str::to_string).filter(|l| !l.trim().is_empty()).collect()
    } else {
        args.phrases.clone()
    };
    let lexicon =
        load_lexicon_files(&args.lexicons, false, "PROBLEM", &args.umls).context("cannot load the lexicon")?;
    let params = ApproximateParams {
        similarity: args.similarity.parse().context("invalid --similarity")?,
        threshold: args.threshold,
        ..ApproximateParams::default()
    };
    let matcher = params.fit(&lexicon).context("cannot build the approximate-matching index")?;
    let entries = lexicon.entries();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written: std::io::Result<()> = (|| {
        for phrase in &phrases {
            let hits = matcher.search(phrase);
            let codes = |h: &mlhc_nlp::approximate::ApproximateHit| -> Vec<String> {
                h.entries.iter().map(|&e| entries[e as usize].code.clone()).collect()
            };
            if args.json {
                let hits: Vec<serde_json::Value> = hits
                    .iter()
                    .map(|h| serde_json::json!({"term": h.term, "codes": codes(h), "similarity": h.similarity}))
                    .collect();
                writeln!(out, "{}", serde_json::json!({"phrase": phrase, "hits": hits}))?;
            } else {
                writeln!(out, "{phrase}: {} term(s)", hits.len())?;
                let shown = if args.top == 0 { hits.len() } else { args.top.min(hits.len()) };
                for h in &hits[..shown] {
                    writeln!(out, "  {:.4}  {}  [{}]", h.similarity, h.term, codes(h).join(", "))?;
                }
            }
        }
        out.flush()
    })();
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        other => {
            other.context("cannot write to standard output")?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn read_utf8(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(mlhc_nlp::error::utf8(&bytes, &path.display().to_string())?.to_string())
}

fn load_rules(path: &Path) -> anyhow::Result<ConText> {
    let text = read_utf8(path)?;
    let name = path.display().to_string();
    let rules = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        parse_context_rules_json(&text, &name)?
    } else {
        parse_negex_triggers(&text, Category::Negated, &name)?
    };
    Ok(ConText::new(rules))
}

fn load_lexicon(args: &AnnotateArgs) -> anyhow::Result<Lexicon> {
    load_lexicon_files(&args.lexicons, args.icd10cm, &args.label, &args.umls)
}

fn load_lexicon_files(
    lexicons: &[PathBuf],
    icd10cm: bool,
    label: &str,
    umls: &UmlsFilterArgs,
) -> anyhow::Result<Lexicon> {
    let is_mrconso =
        |p: &PathBuf| p.file_name().is_some_and(|f| f.to_string_lossy().eq_ignore_ascii_case("mrconso.rrf"));
    if (!umls.umls_sources.is_empty() || !umls.umls_semtypes.is_empty()) && !lexicons.iter().any(is_mrconso) {
        bail!("--umls-sources and --umls-semtypes apply to a UMLS MRCONSO.RRF given with --lexicon; none was given");
    }
    let mut entries: Vec<LexiconEntry> = Vec::new();
    if lexicons.is_empty() || icd10cm {
        entries.extend(mlhc_nlp::icd10cm::icd10cm_entries()?);
    }
    for path in lexicons {
        let name = path.display().to_string();
        let file_name = path.file_name().map(|f| f.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        let open = |p: &Path| -> anyhow::Result<std::io::BufReader<std::fs::File>> {
            Ok(std::io::BufReader::new(std::fs::File::open(p).with_context(|| format!("cannot open {}", p.display()))?))
        };
        if file_name == "mrconso.rrf" {
            // MRSTY.RRF beside it, in the same case as the MRCONSO file name.
            let upper = path.file_name().is_some_and(|f| f.to_string_lossy() == "MRCONSO.RRF");
            let mrsty = path.with_file_name(if upper { "MRSTY.RRF" } else { "mrsty.rrf" });
            let types = if mrsty.is_file() {
                Some(mlhc_nlp::vocab::parse_umls_mrsty(open(&mrsty)?, &mrsty.display().to_string())?)
            } else {
                eprintln!("note: no {} beside {name}; UMLS entries get the label {label}", mrsty.display());
                None
            };
            let options = mlhc_nlp::vocab::UmlsOptions {
                sources: (!umls.umls_sources.is_empty()).then(|| umls.umls_sources.clone()),
                semantic_types: (!umls.umls_semtypes.is_empty()).then(|| umls.umls_semtypes.clone()),
                ..mlhc_nlp::vocab::UmlsOptions::default()
            };
            entries.extend(mlhc_nlp::vocab::parse_umls_mrconso(open(path)?, &name, types.as_ref(), &options, label)?);
            continue;
        }
        if file_name.starts_with("sct2_description") {
            entries.extend(mlhc_nlp::vocab::parse_snomed_descriptions(open(path)?, &name, label)?);
            continue;
        }
        let text = read_utf8(path)?;
        if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
            entries.extend(parse_lexicon_json(&text, label, &name)?);
        } else {
            entries.extend(parse_lexicon_tsv(&text, label, &name)?);
        }
    }
    Ok(Lexicon::new(entries)?)
}

/// Decodes note bytes, lossily with a warning when they are not UTF-8.
fn decode(bytes: Vec<u8>, name: &str) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            eprintln!("warning: {name}: invalid UTF-8 at byte {offset}; decoded lossily (U+FFFD)");
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        }
    }
}

fn annotate(args: AnnotateArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let lexicon = load_lexicon(&args).context("cannot load the lexicon")?;
    let context = match &args.rules {
        Some(p) => load_rules(p).with_context(|| format!("cannot load ConText rules from {}", p.display()))?,
        None => default_context()?,
    };
    let position = if args.headers_at_line_start { HeaderPosition::LineStart } else { HeaderPosition::Anywhere };
    let sectionizer = match &args.sections {
        Some(p) => {
            let text = read_utf8(p)?;
            Sectionizer::new(
                parse_section_rules_json(&text, &p.display().to_string())
                    .with_context(|| format!("cannot load section rules from {}", p.display()))?,
                position,
            )
        }
        None => {
            let d = default_sectionizer()?;
            Sectionizer::new(d.rules().to_vec(), position)
        }
    };
    let mut pipeline = Pipeline::new(lexicon, context, Some(sectionizer));
    if args.no_section_attributes {
        pipeline = pipeline.with_section_attributes(Vec::new());
    }
    if args.approximate {
        let params = ApproximateParams {
            similarity: args.similarity.parse().context("invalid --similarity")?,
            threshold: args.threshold,
            ..ApproximateParams::default()
        };
        pipeline = pipeline.with_approximate(&params).context("cannot build the approximate-matching index")?;
    }
    let load_s = started.elapsed().as_secs_f64();

    if args.input.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).context("cannot read standard input")?;
        let text = decode(bytes, "standard input");
        let a = pipeline.annotate(&text);
        if let Some(path) = &args.html {
            write_html(path, "standard input", &text, &a)?;
        }
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        print_one(&mut out, &args, None, &text, &a)?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.input.is_dir() {
        if args.html.is_some() {
            bail!("--html takes a single note, not the folder {}", args.input.display());
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(&args.input)
            .with_context(|| format!("cannot list {}", args.input.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "txt"))
            .collect();
        files.sort();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(args.threads.unwrap_or(0))
            .build()
            .context("cannot start worker threads")?;
        let t0 = Instant::now();
        let mut n_targets = 0usize;
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        // Notes are annotated in parallel a chunk at a time and printed in file order, so memory
        // holds one chunk of annotations, not the whole folder's.
        for chunk in files.chunks(512) {
            let results: Vec<anyhow::Result<(String, Annotation)>> = pool.install(|| {
                chunk
                    .par_iter()
                    .map(|p| {
                        let bytes = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
                        let text = decode(bytes, &p.display().to_string());
                        let a = pipeline.annotate(&text);
                        Ok((text, a))
                    })
                    .collect()
            });
            for (p, r) in chunk.iter().zip(results) {
                let (text, a) = r?;
                n_targets += a.targets.len();
                print_one(&mut out, &args, Some(p), &text, &a)?;
            }
        }
        out.flush()?;
        let annotate_s = t0.elapsed().as_secs_f64();
        eprintln!(
            "{} notes, {} targets; lexicon and rules loaded in {:.3} s ({} terms); annotated and printed in {:.3} s ({:.0} notes/s)",
            files.len(),
            n_targets,
            load_s,
            pipeline.lexicon().n_terms(),
            annotate_s,
            files.len() as f64 / annotate_s.max(1e-9)
        );
        return Ok(ExitCode::SUCCESS);
    }
    let bytes = std::fs::read(&args.input).with_context(|| format!("cannot read {}", args.input.display()))?;
    let text = decode(bytes, &args.input.display().to_string());
    let a = pipeline.annotate(&text);
    if let Some(path) = &args.html {
        write_html(path, &args.input.display().to_string(), &text, &a)?;
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    print_one(&mut out, &args, None, &text, &a)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// One note's annotation as printed by `annotate --json`.
#[derive(serde::Serialize)]
struct NoteJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    sentences: Vec<SpanJson>,
    sections: &'a [mlhc_nlp::section::Section],
    targets: &'a [mlhc_nlp::pipeline::Target],
}

/// A byte range.
#[derive(serde::Serialize)]
struct SpanJson {
    start: usize,
    end: usize,
}

fn print_one(
    out: &mut dyn Write,
    args: &AnnotateArgs,
    file: Option<&Path>,
    text: &str,
    a: &Annotation,
) -> anyhow::Result<()> {
    if args.json {
        let note = NoteJson {
            file: file.map(|f| f.display().to_string()),
            sentences: a.sentences.iter().map(|s| SpanJson { start: s.start, end: s.end }).collect(),
            sections: &a.sections,
            targets: &a.targets,
        };
        if file.is_some() {
            // One object per line for folders.
            serde_json::to_writer(&mut *out, &note)?;
        } else {
            serde_json::to_writer_pretty(&mut *out, &note)?;
        }
        writeln!(out)?;
        return Ok(());
    }
    if let Some(f) = file {
        writeln!(out, "== {}", f.display())?;
    }
    writeln!(out, "{} sentences, {} sections, {} targets", a.sentences.len(), a.sections.len(), a.targets.len())?;
    for t in &a.targets {
        let mut flags = Vec::new();
        for (on, name) in [
            (t.negated, "negated"),
            (t.possible, "possible"),
            (t.historical, "historical"),
            (t.hypothetical, "hypothetical"),
            (t.family, "family"),
        ] {
            if on {
                flags.push(name);
            }
        }
        let codes = if t.codes.len() > 3 {
            format!("{} (+{})", t.codes[..3].join(","), t.codes.len() - 3)
        } else {
            t.codes.join(",")
        };
        let similarity = t.similarity.filter(|&s| s < 1.0).map(|s| format!(" (similarity {s:.3})")).unwrap_or_default();
        writeln!(
            out,
            "{:>6}-{:<6} {:<30} {:<18} {:<22} {}{similarity}",
            t.start,
            t.end,
            text[t.start..t.end].replace(['\n', '\t'], " "),
            codes,
            t.section.as_deref().unwrap_or("-"),
            if flags.is_empty() { "affirmed".to_string() } else { flags.join(",") }
        )?;
    }
    Ok(())
}

fn evaluate(args: EvaluateArgs) -> anyhow::Result<ExitCode> {
    let text = read_utf8(&args.negex)?;
    let rows = mlhc_nlp::negex::parse_negex_tsv(&text, &args.negex.display().to_string())?;
    if rows.is_empty() {
        bail!("{}: no rows", args.negex.display());
    }
    let ctx = match &args.rules {
        Some(p) => load_rules(p).with_context(|| format!("cannot load ConText rules from {}", p.display()))?,
        None => negation_context()?,
    };
    let (s, results) = mlhc_nlp::negex::evaluate_negation(&ctx, &rows);
    if args.json {
        ui::print_json(&s)?;
        return Ok(ExitCode::SUCCESS);
    }
    let possible = results.iter().filter(|r| r.assertion.possible && !r.assertion.negated).count();
    let missing = results.iter().filter(|r| !r.found).count();
    println!("{} sentences, {} gold negated", rows.len(), s.tp + s.fn_);
    println!("TP {}  FP {}  FN {}  TN {}", s.tp, s.fp, s.fn_, s.tn);
    println!("precision {:.4}  recall {:.4}  F1 {:.4}  accuracy {:.4}", s.precision, s.recall, s.f1, s.accuracy);
    println!("{possible} sentences marked possible (counted as not negated); concept not found in {missing}");
    Ok(ExitCode::SUCCESS)
}

fn deid(args: DeidArgs) -> anyhow::Result<ExitCode> {
    let bytes = if args.input.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::stdin().read_to_end(&mut b).context("cannot read standard input")?;
        b
    } else {
        std::fs::read(&args.input).with_context(|| format!("cannot read {}", args.input.display()))?
    };
    let text = decode(bytes, &args.input.display().to_string());
    let policy = if args.all_ages { AgePolicy::All } else { AgePolicy::Over89 };
    let d = Deidentifier::new(policy);
    if args.json {
        let output = if args.surrogate { d.surrogate(&text) } else { d.mask(&text) };
        ui::print_json(&serde_json::json!({ "phi": d.find(&text), "output": output }))?;
    } else if args.surrogate {
        print!("{}", d.surrogate(&text));
    } else {
        print!("{}", d.mask(&text));
    }
    Ok(ExitCode::SUCCESS)
}

/// One row of a `to-meds --index` file.
struct NoteRef {
    file: String,
    subject_id: i64,
    time: Option<i64>,
}

/// Reads the `--index` CSV: a header naming `file`, `subject_id` and `time` (any order, other
/// columns ignored), then one note per line. Fields may be double-quoted; quoted commas are not
/// supported.
fn read_note_index(path: &Path) -> anyhow::Result<Vec<NoteRef>> {
    let text = read_utf8(path)?;
    let name = path.display();
    let split =
        |line: &str| -> Vec<String> { line.split(',').map(|f| f.trim().trim_matches('"').to_string()).collect() };
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().with_context(|| format!("{name}: empty index"))?;
    let header = split(header);
    let col = |c: &str| {
        header.iter().position(|h| h.eq_ignore_ascii_case(c)).with_context(|| format!("{name}: no `{c}` column"))
    };
    let (fi, si, ti) = (col("file")?, col("subject_id")?, col("time")?);
    let mut out = Vec::new();
    for (i, line) in lines {
        let f = split(line);
        let get = |k: usize| f.get(k).map(String::as_str).unwrap_or("");
        let subject_id = get(si)
            .parse::<i64>()
            .with_context(|| format!("{name}: line {}: subject_id {:?} is not an integer", i + 1, get(si)))?;
        let time = match get(ti) {
            "" => None,
            t => Some(
                mlhc_core::Timestamp::parse(t).with_context(|| format!("{name}: line {}: bad time {t:?}", i + 1))?.0,
            ),
        };
        if get(fi).is_empty() {
            bail!("{name}: line {}: empty file name", i + 1);
        }
        out.push(NoteRef { file: get(fi).to_string(), subject_id, time });
    }
    Ok(out)
}

fn to_meds(args: ToMedsArgs) -> anyhow::Result<ExitCode> {
    use mlhc_meds::{Dataset, DatasetWriter, ReadOptions, ShardBuilder};
    let lexicon =
        load_lexicon_files(&args.lexicons, false, "PROBLEM", &args.umls).context("cannot load the lexicon")?;
    let pipeline = Pipeline::new(lexicon, default_context()?, Some(default_sectionizer()?));
    if let Some(index) = &args.index {
        let notes = read_note_index(index)?;
        let writer =
            DatasetWriter::create(&args.output).with_context(|| format!("cannot create {}", args.output.display()))?;
        let texts: Vec<anyhow::Result<String>> = notes
            .par_iter()
            .map(|n| {
                let p = args.input.join(&n.file);
                let bytes = std::fs::read(&p).with_context(|| format!("cannot read {}", p.display()))?;
                Ok(decode(bytes, &p.display().to_string()))
            })
            .collect();
        let mut builder = ShardBuilder::new("0");
        let mut codes: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
        let mut events = 0usize;
        for (n, text) in notes.iter().zip(texts) {
            events += push_concept_events(
                &pipeline,
                &text?,
                n.subject_id,
                n.time,
                &args.code_prefix,
                &mut builder,
                &mut codes,
            );
        }
        let (out, vocab, _) = builder.finish(false);
        writer.write_shard("0", &out, &vocab).context("cannot write shard 0")?;
        return finish_to_meds(&args, &writer, notes.len(), events, &codes);
    }
    let ds = Dataset::open(&args.input).with_context(|| format!("cannot open {}", args.input.display()))?;
    let writer =
        DatasetWriter::create(&args.output).with_context(|| format!("cannot create {}", args.output.display()))?;
    let opts = ReadOptions { text: true, extra_columns: false };
    let (mut notes, mut events) = (0usize, 0usize);
    let mut codes: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for (i, file) in ds.shard_files().iter().enumerate() {
        let (shard, _) = ds.read_shard(i, &opts).with_context(|| format!("cannot read shard {}", file.name))?;
        let mut builder = ShardBuilder::new(file.name.clone());
        for subject in shard.subjects() {
            for row in subject.rows() {
                let Some(text) = shard.text(row) else { continue };
                notes += 1;
                let time = shard.time(row).map(|t| t.0);
                events += push_concept_events(
                    &pipeline,
                    text,
                    subject.id().0,
                    time,
                    &args.code_prefix,
                    &mut builder,
                    &mut codes,
                );
            }
        }
        let (out, vocab, _) = builder.finish(false);
        writer.write_shard(&file.name, &out, &vocab).with_context(|| format!("cannot write shard {}", file.name))?;
    }
    if let Some(splits) = ds.subject_splits()? {
        writer.write_splits(&splits)?;
    }
    finish_to_meds(&args, &writer, notes, events, &codes)
}

/// Writes the codes and metadata of a `to-meds` output and prints the summary.
fn finish_to_meds(
    args: &ToMedsArgs,
    writer: &mlhc_meds::DatasetWriter,
    notes: usize,
    events: usize,
    codes: &std::collections::BTreeSet<String>,
) -> anyhow::Result<ExitCode> {
    use mlhc_meds::{CodeInfo, DatasetMetadata};
    let code_rows: Vec<CodeInfo> = codes.iter().map(|c| CodeInfo { code: c.clone(), ..CodeInfo::default() }).collect();
    writer.write_codes(&code_rows)?;
    writer.write_metadata(&DatasetMetadata {
        dataset_name: Some("note concepts".to_string()),
        etl_name: Some("mlhc nlp to-meds".to_string()),
        etl_version: Some(env!("CARGO_PKG_VERSION").to_string()),
        meds_version: Some("0.4".to_string()),
        ..DatasetMetadata::default()
    })?;
    let summary = serde_json::json!({ "notes": notes, "events": events, "codes": codes.len() });
    if args.json {
        ui::print_json(&summary)?;
    } else {
        println!(
            "{notes} notes -> {events} concept events ({} distinct codes) in {}",
            codes.len(),
            args.output.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The *.txt files of a folder, sorted, with their text.
fn read_notes(dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("no *.txt notes in {}", dir.display());
    }
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).with_context(|| format!("cannot read {}", p.display()))?;
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            Ok((name, decode(bytes, &p.display().to_string())))
        })
        .collect()
}

/// Annotates one note and adds an event per target (code `PREFIX//CODE//ASSERTION`) for the
/// subject at the note's time; returns how many events it added and records their codes.
fn push_concept_events(
    pipeline: &Pipeline,
    text: &str,
    subject_id: i64,
    time: Option<i64>,
    prefix: &str,
    builder: &mut mlhc_meds::ShardBuilder,
    codes: &mut std::collections::BTreeSet<String>,
) -> usize {
    let mut added = 0;
    for target in pipeline.annotate(text).targets {
        if let Some(code) = target.meds_code(prefix) {
            builder.push(mlhc_meds::Event { subject_id, time, code: &code, numeric_value: None, text_value: None });
            codes.insert(code);
            added += 1;
        }
    }
    added
}

/// A pipeline with `lexicons` (ICD-10-CM when none) and medspaCy's default rules.
fn default_pipeline(lexicons: &[PathBuf], umls: &UmlsFilterArgs) -> anyhow::Result<Pipeline> {
    let lexicon = load_lexicon_files(lexicons, false, "PROBLEM", umls).context("cannot load the lexicon")?;
    Ok(Pipeline::new(lexicon, default_context()?, Some(default_sectionizer()?)))
}

fn tfidf(args: TfidfArgs) -> anyhow::Result<ExitCode> {
    let notes = read_notes(&args.input)?;
    let docs: Vec<Vec<String>> = if args.concepts {
        let pipeline = default_pipeline(&args.lexicons, &args.umls)?;
        notes
            .par_iter()
            .map(|(_, text)| {
                pipeline
                    .annotate(text)
                    .targets
                    .iter()
                    .filter_map(|t| t.codes.first().map(|c| format!("{c}//{}", t.assertion_label())))
                    .collect()
            })
            .collect()
    } else {
        notes
            .iter()
            .map(|(_, text)| {
                let lower = text.to_lowercase();
                mlhc_nlp::token::tokenize(&lower)
                    .iter()
                    .map(|t| &lower[t.start..t.end])
                    .filter(|w| w.chars().count() >= 2 && w.chars().all(char::is_alphanumeric))
                    .map(str::to_string)
                    .collect()
            })
            .collect()
    };
    let model = mlhc_nlp::features::TfIdf::fit(&docs);
    let rows: Vec<Vec<(usize, f64)>> = docs.iter().map(|d| model.transform(d)).collect();
    if args.json {
        let rows_json: Vec<serde_json::Value> = notes
            .iter()
            .zip(&rows)
            .map(|((name, _), row)| {
                let features: serde_json::Map<String, serde_json::Value> =
                    row.iter().map(|&(i, v)| (model.vocabulary[i].clone(), serde_json::json!(v))).collect();
                serde_json::json!({ "file": name, "features": features })
            })
            .collect();
        ui::print_json(&serde_json::json!({
            "documents": notes.len(),
            "vocabulary": model.vocabulary,
            "idf": model.idf,
            "rows": rows_json,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} notes, {} terms", notes.len(), model.vocabulary.len());
    for ((name, _), row) in notes.iter().zip(&rows) {
        let mut row = row.clone();
        row.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let top: Vec<String> =
            row.iter().take(args.top).map(|&(i, v)| format!("{} {v:.3}", model.vocabulary[i])).collect();
        println!("{name}: {}", top.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}

fn lift(args: LiftArgs) -> anyhow::Result<ExitCode> {
    let notes = read_notes(&args.input)?;
    let pipeline = default_pipeline(&args.lexicons, &args.umls)?;
    let docs: Vec<Vec<String>> = notes
        .par_iter()
        .map(|(_, text)| {
            pipeline
                .annotate(text)
                .targets
                .iter()
                .filter(|t| args.with_assertion || t.assertion_label() == "AFFIRMED")
                .filter_map(|t| {
                    t.codes.first().map(|c| {
                        if args.with_assertion {
                            format!("{c}//{}", t.assertion_label())
                        } else {
                            c.clone()
                        }
                    })
                })
                .collect()
        })
        .collect();
    let mut pairs = mlhc_nlp::features::co_occurrence(&docs, args.min_both);
    if args.top > 0 {
        pairs.truncate(args.top);
    }
    if args.json {
        ui::print_json(&pairs)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} notes, {} pairs (both in >= {} notes)", notes.len(), pairs.len(), args.min_both.max(1));
    for p in &pairs {
        println!(
            "{:<24} {:<24} both {:>5}  a {:>5}  b {:>5}  lift {:.3}",
            p.a, p.b, p.both, p.count_a, p.count_b, p.lift
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Renders one annotated note as a self-contained HTML page.
fn render_html(title: &str, text: &str, a: &Annotation) -> String {
    // (start, end, class, tooltip): targets first, so a trigger or header overlapping one is dropped.
    let mut spans: Vec<(usize, usize, &str, String)> = Vec::new();
    for t in &a.targets {
        let class = if t.negated {
            "neg"
        } else if t.possible {
            "pos"
        } else if t.family {
            "fam"
        } else if t.hypothetical {
            "hyp"
        } else if t.historical {
            "hist"
        } else {
            "aff"
        };
        let mods: Vec<String> = t.modifiers.iter().map(|m| format!("{} ({})", m.category.name(), m.text)).collect();
        let tip = format!(
            "{} | {} | section: {} | {}",
            t.codes.join(", "),
            t.assertion_label(),
            t.section.as_deref().unwrap_or("-"),
            if mods.is_empty() { "no modifiers".to_string() } else { mods.join("; ") }
        );
        spans.push((t.start, t.end, class, tip));
    }
    for t in &a.targets {
        for m in &t.modifiers {
            spans.push((m.start, m.end, "trig", format!("{} trigger ({:?})", m.category.name(), m.direction)));
        }
    }
    for s in &a.sections {
        spans.push((s.header_start, s.header_end, "sec", format!("section: {}", s.category)));
    }
    let mut placed: Vec<(usize, usize, &str, String)> = Vec::new();
    for sp in spans {
        if !placed.iter().any(|p| p.0 < sp.1 && sp.0 < p.1) {
            placed.push(sp);
        }
    }
    placed.sort_by_key(|p| p.0);
    let mut body = String::with_capacity(text.len() * 2);
    let mut at = 0;
    for (s, e, class, tip) in placed {
        body.push_str(&escape_html(&text[at..s]));
        body.push_str(&format!(
            "<span class=\"{class}\" title=\"{}\">{}</span>",
            escape_html(&tip),
            escape_html(&text[s..e])
        ));
        at = e;
    }
    body.push_str(&escape_html(&text[at..]));
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{t}</title><style>\n\
body{{font-family:sans-serif;margin:2em}} pre{{white-space:pre-wrap;line-height:1.6}}\n\
.aff{{background:#c8f0c8}} .neg{{background:#f4c2c2;text-decoration:line-through}} .pos{{background:#fde3a7}}\n\
.hist{{background:#cfe2f3}} .hyp{{background:#e6d5f5}} .fam{{background:#ffd8f0}}\n\
.trig{{border-bottom:2px dotted #555}} .sec{{font-weight:bold;color:#1a4d8f}}\n\
</style></head><body><h1>{t}</h1><p>{n} targets: <span class=\"aff\">affirmed</span> \
<span class=\"neg\">negated</span> <span class=\"pos\">possible</span> <span class=\"hist\">historical</span> \
<span class=\"hyp\">hypothetical</span> <span class=\"fam\">family</span> \
<span class=\"trig\">trigger</span> <span class=\"sec\">section header</span>; hover for codes and modifiers.</p>\n\
<pre>{body}</pre></body></html>\n",
        t = escape_html(title),
        n = a.targets.len()
    )
}

/// Writes the HTML view atomically (temporary file, then rename).
fn write_html(path: &Path, title: &str, text: &str, a: &Annotation) -> anyhow::Result<()> {
    let tmp = path.with_extension("html.tmp");
    std::fs::write(&tmp, render_html(title, text, a)).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
