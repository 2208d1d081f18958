//! The linear model: a multinomial logistic regression over the four kinds
//! of person mail, and one binary logistic regression per flag, sharing one
//! hashed feature space. Trained by AdaGrad over the examples in a fixed,
//! seeded order, so the same corpus gives the same bytes on every machine.

use super::features::{featurize, Doc, Features, DIM_BITS};
use crate::core::kind::{Flag, Kind};
use std::collections::{BTreeMap, HashMap};

/// The kinds the learned layer decides between (machine mail is screened
/// before it runs).
pub const KINDS: [Kind; 4] = [
    Kind::Complaint,
    Kind::Compliment,
    Kind::Comment,
    Kind::Other,
];
/// The flags in column order: the stored model's layout, so fixed here (a
/// test checks it names every flag).
pub const FLAGS: [Flag; 7] = [
    Flag::Safeguarding,
    Flag::HealthSafety,
    Flag::Anonymous,
    Flag::OnBehalf,
    Flag::AssessmentAppeal,
    Flag::Subcontractor,
    Flag::StaffSubject,
];
/// Flags the learned layer has no column for: only the lexicon's cues
/// raise them. `welsh_language` is new (issue 15) and the shipped corpus
/// labels no message with it, so a column would learn nothing and change
/// the stored model's layout; a handler's `#flag welsh-language`
/// correction is kept but not learned from until the flag has a column.
pub const RULE_ONLY_FLAGS: [Flag; 1] = [Flag::WelshLanguage];
/// Number of kind columns.
const NK: usize = KINDS.len();
/// Number of flag columns.
const NF: usize = FLAGS.len();
/// Columns of the weight table: kinds, then flags.
const COLS: usize = NK + NF;

/// One labelled message.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The text.
    pub doc: Doc,
    /// The kind, if known (a flag correction says nothing about the kind).
    pub kind: Option<Kind>,
    /// The flags whose truth is known, with it. Corpus messages know all
    /// seven; a handler's `#flag` knows one.
    pub flags: BTreeMap<Flag, bool>,
    /// How much the example counts (an organisation's correction counts more
    /// than one shipped example: it is about this organisation's mail).
    pub weight: f32,
}

/// Training settings.
#[derive(Debug, Clone, Copy)]
pub struct TrainOptions {
    /// Passes over the data.
    pub epochs: usize,
    /// AdaGrad step size.
    pub rate: f32,
    /// L2 penalty on touched weights.
    pub l2: f32,
    /// Features seen in fewer examples are dropped: one message's quirks
    /// are not a pattern (a phrasing corrected twice is).
    pub min_examples: usize,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            epochs: 30,
            rate: 0.4,
            l2: 1e-4,
            min_examples: 2,
        }
    }
}

/// A trained model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Weights by feature index: kinds then flags.
    weights: HashMap<u32, [f32; COLS]>,
    /// Intercepts.
    bias: [f32; COLS],
    /// How many examples it was trained on.
    pub trained_on: u32,
}

/// A word's or word pair's pull towards a decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    /// The word or word pair.
    pub unit: String,
    /// Its share of the score (log-odds).
    pub weight: f32,
}

/// What the model says about one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Probability of each of [`KINDS`].
    pub kind_probs: [f32; NK],
    /// Probability of each flag, in [`FLAGS`] order.
    pub flag_probs: [f32; NF],
    features: Features,
    kind_scores: Vec<[f32; COLS]>,
}

impl Prediction {
    /// The most probable kind and its probability.
    pub fn best(&self) -> (Kind, f32) {
        let mut best = 0;
        for i in 1..NK {
            if self.kind_probs[i] > self.kind_probs[best] {
                best = i;
            }
        }
        (KINDS[best], self.kind_probs[best])
    }

    /// Probability of a kind (0 for machine kinds).
    pub fn prob(&self, kind: Kind) -> f32 {
        KINDS
            .iter()
            .position(|k| *k == kind)
            .map_or(0.0, |i| self.kind_probs[i])
    }

    /// Probability of a flag.
    pub fn flag_prob(&self, flag: Flag) -> f32 {
        FLAGS
            .iter()
            .position(|f| *f == flag)
            .map_or(0.0, |i| self.flag_probs[i])
    }

    /// The words that pushed most towards `kind` rather than the other
    /// kinds, strongest first.
    pub fn kind_reasons(&self, kind: Kind, n: usize) -> Vec<Contribution> {
        let Some(c) = KINDS.iter().position(|k| *k == kind) else {
            return Vec::new();
        };
        self.top(n, |w| {
            let others = (0..NK).filter(|i| *i != c).map(|i| w[i]).sum::<f32>() / (NK - 1) as f32;
            w[c] - others
        })
    }

    /// The words that pushed most towards a flag.
    pub fn flag_reasons(&self, flag: Flag, n: usize) -> Vec<Contribution> {
        let Some(f) = FLAGS.iter().position(|x| *x == flag) else {
            return Vec::new();
        };
        self.top(n, |w| w[NK + f])
    }

    fn top(&self, n: usize, pull: impl Fn(&[f32; COLS]) -> f32) -> Vec<Contribution> {
        let mut by_unit: HashMap<usize, f32> = HashMap::new();
        for (i, w) in self.kind_scores.iter().enumerate() {
            *by_unit.entry(self.features.unit_of[i]).or_default() += pull(w);
        }
        let mut v: Vec<(usize, f32)> = by_unit.into_iter().filter(|(_, w)| *w > 0.0).collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v.into_iter()
            .take(n)
            .map(|(u, w)| Contribution {
                unit: self.features.units[u].clone(),
                weight: w,
            })
            .collect()
    }
}

fn softmax(z: &[f32; NK]) -> [f32; NK] {
    let m = z.iter().copied().fold(f32::MIN, f32::max);
    let mut e = [0.0; NK];
    let mut s = 0.0;
    for i in 0..NK {
        e[i] = (z[i] - m).exp();
        s += e[i];
    }
    e.map(|x| x / s)
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// A small deterministic generator for the example order (no dependence on
/// a random source: the same corpus must give the same model).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % bound as u64) as usize
    }
}

/// Whether an example teaches a flag's head. The procedural flags are only
/// ever raised on complaints, so they learn from complaints alone: otherwise
/// the word "complaint" itself told a `staff_subject` complaint (always about
/// a complaint's handling) from the praise and enquiries around it, and
/// flagged every complaint that said "complaint".
fn teaches(ex: &Example, flag: Flag) -> bool {
    flag.is_hazard() || ex.kind.is_none_or(|k| k == Kind::Complaint)
}

/// Train a model on labelled examples.
pub fn train(examples: &[Example], opt: &TrainOptions) -> Model {
    let feats: Vec<Features> = examples.iter().map(|e| featurize(&e.doc)).collect();
    // Document frequency: in how many examples each feature occurs.
    let mut df: HashMap<u32, usize> = HashMap::new();
    for f in &feats {
        for (i, _) in &f.entries {
            *df.entry(*i).or_default() += 1;
        }
    }
    let keep = |i: u32| df.get(&i).copied().unwrap_or(0) >= opt.min_examples;
    let xs: Vec<Vec<(u32, f32)>> = feats
        .iter()
        .map(|f| {
            f.entries
                .iter()
                .copied()
                .filter(|(i, _)| keep(*i))
                .collect()
        })
        .collect();

    // Flag positives are rare: weight them up so the flag heads learn recall.
    let mut pos_weight = [1.0f32; NF];
    for (fi, flag) in FLAGS.iter().enumerate() {
        let (mut pos, mut neg) = (0.0f32, 0.0f32);
        for e in examples.iter().filter(|e| teaches(e, *flag)) {
            match e.flags.get(flag) {
                Some(true) => pos += e.weight,
                Some(false) => neg += e.weight,
                None => {}
            }
        }
        if pos > 0.0 {
            pos_weight[fi] = (neg / pos).clamp(1.0, 3.0);
        }
    }

    // Dense tables while training (a few megabytes): a hash lookup per
    // feature per step made training slow enough to matter in tests.
    let dim = 1usize << DIM_BITS;
    let mut w: Vec<[f32; COLS]> = vec![[0.0; COLS]; dim];
    let mut g2: Vec<[f32; COLS]> = vec![[0.0; COLS]; dim];
    let mut bias = [0.0f32; COLS];
    let mut bias_g2 = [0.0f32; COLS];
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut rng = Lcg(0x5eed_c0de);
    for _ in 0..opt.epochs {
        for i in (1..order.len()).rev() {
            let j = rng.next(i + 1);
            order.swap(i, j);
        }
        for &n in &order {
            let ex = &examples[n];
            let x = &xs[n];
            let mut z = bias;
            for (i, v) in x {
                let row = &w[*i as usize];
                for c in 0..COLS {
                    z[c] += row[c] * v;
                }
            }
            let mut grad = [0.0f32; COLS];
            if let Some(kind) = ex.kind {
                if let Some(y) = KINDS.iter().position(|k| *k == kind) {
                    let mut zk = [0.0; NK];
                    zk.copy_from_slice(&z[..NK]);
                    let p = softmax(&zk);
                    for c in 0..NK {
                        grad[c] = (p[c] - if c == y { 1.0 } else { 0.0 }) * ex.weight;
                    }
                }
            }
            for (fi, flag) in FLAGS.iter().enumerate() {
                if !teaches(ex, *flag) {
                    continue;
                }
                if let Some(&y) = ex.flags.get(flag) {
                    let p = sigmoid(z[NK + fi]);
                    let t = if y { 1.0 } else { 0.0 };
                    let cw = if y { pos_weight[fi] } else { 1.0 };
                    grad[NK + fi] = (p - t) * cw * ex.weight;
                }
            }
            for (i, v) in x {
                let row = &mut w[*i as usize];
                let acc = &mut g2[*i as usize];
                for c in 0..COLS {
                    if grad[c] == 0.0 && row[c] == 0.0 {
                        continue;
                    }
                    let g = grad[c] * v + opt.l2 * row[c];
                    acc[c] += g * g;
                    row[c] -= opt.rate * g / (acc[c].sqrt() + 1e-6);
                }
            }
            for c in 0..COLS {
                if grad[c] != 0.0 {
                    bias_g2[c] += grad[c] * grad[c];
                    bias[c] -= opt.rate * grad[c] / (bias_g2[c].sqrt() + 1e-6);
                }
            }
        }
    }
    let w: HashMap<u32, [f32; COLS]> = w
        .into_iter()
        .enumerate()
        .filter(|(_, row)| row.iter().any(|x| x.abs() > 1e-4))
        .map(|(i, row)| (i as u32, row))
        .collect();
    let mut m = Model {
        weights: w,
        bias,
        trained_on: examples.len() as u32,
    };
    // What is shipped is what is loaded: round through the stored form so a
    // freshly trained model and its file give identical answers.
    if let Ok(r) = Model::from_bytes(&m.to_bytes()) {
        m = r;
    }
    m
}

impl Model {
    /// Score a message.
    pub fn predict(&self, doc: &Doc) -> Prediction {
        let features = featurize(doc);
        let mut z = self.bias;
        let mut kind_scores = Vec::with_capacity(features.entries.len());
        for (i, v) in &features.entries {
            let mut s = [0.0f32; COLS];
            if let Some(row) = self.weights.get(i) {
                for c in 0..COLS {
                    s[c] = row[c] * v;
                    z[c] += s[c];
                }
            }
            kind_scores.push(s);
        }
        let mut zk = [0.0; NK];
        zk.copy_from_slice(&z[..NK]);
        let mut flag_probs = [0.0; NF];
        for f in 0..NF {
            flag_probs[f] = sigmoid(z[NK + f]);
        }
        Prediction {
            kind_probs: softmax(&zk),
            flag_probs,
            features,
            kind_scores,
        }
    }

    /// The stored form: a small header, then per feature its index and its
    /// weights quantised to 16 bits with one scale per column. Little-endian.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut scale = [0.0f32; COLS];
        for row in self.weights.values() {
            for c in 0..COLS {
                scale[c] = scale[c].max(row[c].abs());
            }
        }
        let scale = scale.map(|s| if s > 0.0 { s / 32767.0 } else { 1.0 });
        let mut idx: Vec<&u32> = self.weights.keys().collect();
        idx.sort();
        let mut out = Vec::with_capacity(64 + idx.len() * (4 + 2 * COLS));
        out.extend_from_slice(MAGIC);
        for v in [
            FORMAT,
            DIM_BITS,
            COLS as u32,
            self.trained_on,
            idx.len() as u32,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in self.bias.iter().chain(scale.iter()) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for i in idx {
            out.extend_from_slice(&i.to_le_bytes());
            let row = &self.weights[i];
            for c in 0..COLS {
                let q = (row[c] / scale[c]).round().clamp(-32767.0, 32767.0) as i16;
                out.extend_from_slice(&q.to_le_bytes());
            }
        }
        out
    }

    /// Read the stored form.
    pub fn from_bytes(b: &[u8]) -> Result<Model, ModelError> {
        if !b.starts_with(MAGIC) {
            return Err(ModelError::NotAModel);
        }
        let mut r = Reader { b, at: MAGIC.len() };
        let format = r.u32()?;
        let bits = r.u32()?;
        let cols = r.u32()?;
        if format != FORMAT || bits != DIM_BITS || cols as usize != COLS {
            return Err(ModelError::Format { format, bits, cols });
        }
        let trained_on = r.u32()?;
        let n = r.u32()? as usize;
        let mut bias = [0.0f32; COLS];
        for b in bias.iter_mut() {
            *b = r.f32()?;
        }
        let mut scale = [0.0f32; COLS];
        for s in scale.iter_mut() {
            *s = r.f32()?;
        }
        let mut weights = HashMap::with_capacity(n.min(1 << DIM_BITS));
        for _ in 0..n {
            let i = r.u32()?;
            let mut row = [0.0f32; COLS];
            for c in 0..COLS {
                row[c] = f32::from(r.i16()?) * scale[c];
            }
            weights.insert(i, row);
        }
        if r.at != b.len() {
            return Err(ModelError::Truncated);
        }
        Ok(Model {
            weights,
            bias,
            trained_on,
        })
    }
}

const MAGIC: &[u8] = b"complaintd-linear\n";
const FORMAT: u32 = 1;

/// A model file that cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ModelError {
    /// Not a model file at all.
    #[error("not a complaintd classifier model")]
    NotAModel,
    /// A model of another shape (retrain it with this version).
    #[error("model format {format} with {bits} feature bits and {cols} columns is not this version's; retrain with `complaintd classify --learn`")]
    Format {
        /// Format number read.
        format: u32,
        /// Feature bits read.
        bits: u32,
        /// Columns read.
        cols: u32,
    },
    /// Cut short or with trailing bytes.
    #[error("model file is truncated or has trailing bytes")]
    Truncated,
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        let end = self.at.checked_add(n).ok_or(ModelError::Truncated)?;
        let s = self.b.get(self.at..end).ok_or(ModelError::Truncated)?;
        self.at = end;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32, ModelError> {
        let s = self.take(4)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn f32(&mut self) -> Result<f32, ModelError> {
        Ok(f32::from_bits(self.u32()?))
    }
    fn i16(&mut self) -> Result<i16, ModelError> {
        let s = self.take(2)?;
        Ok(i16::from_le_bytes([s[0], s[1]]))
    }
}
