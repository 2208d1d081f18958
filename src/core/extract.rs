//! Text the sender put in attachments: PDF (read with `lopdf`) and Word
//! `.docx` (a zip archive: the runs of `word/document.xml`).
//!
//! People send their complaint as a letter in a PDF or a Word file with one
//! line of body ("please see attached"). Without this text the classifier
//! saw only that line and the complaint was taken for an enquiry.
//!
//! Attachments are outside data: a PDF may be encrypted, malformed or a
//! compression bomb, a ".docx" may not be a zip at all. Every read runs
//! inside a work budget ([`Budget`]): input size, decompressed bytes, pages
//! and characters of text are all capped, which is what bounds the time (the
//! core reads no clock, so the budget is counted in work, not seconds; the
//! extraction tests check the worst cases finish well inside a second's
//! order). Each read also runs under `catch_unwind`, like mail parsing: a
//! panic in a reader becomes a note, never a crash and never a lost message.
//! What could not be read is said in [`Extracted::problems`], in words a
//! handler can read.

use regex::Regex;
use std::io::Read;
use std::sync::LazyLock;

/// Limits on the work one attachment may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Attachments larger than this (decoded bytes) are not opened.
    pub max_input: usize,
    /// Decompressed bytes one document may expand to (per PDF page, per
    /// `.docx` body). A compression bomb stops here.
    pub max_expanded: usize,
    /// PDF pages read; a complaint letter is a few pages.
    pub max_pages: usize,
    /// Characters of text kept; the classifier reads the opening anyway.
    pub max_text: usize,
}

/// The budget ingest and `classify` use.
pub const BUDGET: Budget = Budget {
    max_input: 10 * 1024 * 1024,
    max_expanded: 8 * 1024 * 1024,
    max_pages: 30,
    max_text: 64 * 1024,
};

/// Text read from one attachment, and what could not be read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Extracted {
    /// Where the text came from, e.g. `attachment complaint.pdf`.
    pub source: String,
    /// The text (may be empty when nothing could be read).
    pub text: String,
    /// What could not be read and why, e.g. "the PDF is encrypted".
    pub problems: Vec<String>,
}

/// Which reader an attachment needs, from its type, its name or its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocType {
    /// Portable Document Format.
    Pdf,
    /// Word 2007+ document (Office Open XML).
    Docx,
}

/// Recognise a document we can read; `None` for anything else (images,
/// spreadsheets…), which is left alone.
pub fn doc_type(name: Option<&str>, content_type: &str, bytes: &[u8]) -> Option<DocType> {
    let name = name.unwrap_or("").to_ascii_lowercase();
    let ct = content_type.to_ascii_lowercase();
    if ct == "application/pdf" || name.ends_with(".pdf") || bytes.starts_with(b"%PDF-") {
        Some(DocType::Pdf)
    } else if ct == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        || name.ends_with(".docx")
    {
        Some(DocType::Docx)
    } else {
        None
    }
}

/// Read the text of an attachment of a known type, within `budget`. Never
/// panics: a reader's panic becomes a problem.
pub fn extract(name: &str, doc: DocType, bytes: &[u8], budget: &Budget) -> Extracted {
    let mut out = Extracted {
        source: format!("attachment {name}"),
        text: String::new(),
        problems: Vec::new(),
    };
    if bytes.len() > budget.max_input {
        out.problems.push(format!(
            "not opened: {} bytes is over the {} byte limit",
            bytes.len(),
            budget.max_input
        ));
        return out;
    }
    let result = std::panic::catch_unwind(|| match doc {
        DocType::Pdf => pdf_text(bytes, budget),
        DocType::Docx => docx_text(bytes, budget),
    });
    match result {
        Ok((text, problems)) => {
            out.text = cut_chars(&text, budget.max_text);
            out.problems = problems;
            if out.text.chars().count() < text.chars().count() {
                out.problems.push(format!(
                    "only the first {} characters were read",
                    budget.max_text
                ));
            }
        }
        Err(_) => out
            .problems
            .push("the document reader failed on it (internal panic)".to_string()),
    }
    out
}

fn cut_chars(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

fn pdf_text(bytes: &[u8], budget: &Budget) -> (String, Vec<String>) {
    let mut problems = Vec::new();
    let options = lopdf::LoadOptions::with_max_decompressed_size(budget.max_expanded);
    let doc = match lopdf::Document::load_mem_with_options(bytes, options) {
        Ok(d) => d,
        Err(e) => {
            let why = match e {
                lopdf::Error::Decryption(_) | lopdf::Error::InvalidPassword => {
                    "the PDF is encrypted with a password: its text could not be read".to_string()
                }
                other => format!("not a readable PDF ({other})"),
            };
            problems.push(why);
            return (String::new(), problems);
        }
    };
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    if pages.len() > budget.max_pages {
        problems.push(format!(
            "only the first {} of {} pages were read",
            budget.max_pages,
            pages.len()
        ));
    }
    let mut text = String::new();
    let mut failed = 0usize;
    let mut too_big = 0usize;
    for page in pages.iter().take(budget.max_pages) {
        if text.len() > budget.max_text * 4 {
            break;
        }
        match doc.extract_text_with_limit(&[*page], budget.max_expanded) {
            Ok(t) => text.push_str(&t),
            Err(lopdf::Error::Decompress(_)) => too_big += 1,
            Err(_) => failed += 1,
        }
    }
    if too_big > 0 {
        problems.push(format!(
            "{too_big} page(s) not read: their content expands past the {} byte limit",
            budget.max_expanded
        ));
    }
    if failed > 0 {
        problems.push(format!("{failed} page(s) could not be read"));
    }
    let text = text.trim().to_string();
    if text.is_empty() && problems.is_empty() {
        // lopdf opens a PDF encrypted with an empty user password by itself;
        // one it could not decrypt loads with its text unreadable.
        let encrypted = doc.is_encrypted() || bytes.windows(8).any(|w| w == b"/Encrypt");
        problems.push(if encrypted {
            "the PDF is encrypted: no text could be read".to_string()
        } else {
            "no text found (a scanned image, or a damaged file)".to_string()
        });
    }
    (text, problems)
}

static DOCX_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>|<w:t\s*/>|(</w:p>)|(<w:tab\s*/>)|(<w:br\s*/>)")
        .expect("static regex")
});

fn docx_text(bytes: &[u8], budget: &Budget) -> (String, Vec<String>) {
    let mut problems = Vec::new();
    let mut archive = match zip::ZipArchive::new(std::io::Cursor::new(bytes)) {
        Ok(a) => a,
        Err(e) => {
            problems.push(format!("not a Word document: not a zip archive ({e})"));
            return (String::new(), problems);
        }
    };
    let mut file = match archive.by_name("word/document.xml") {
        Ok(f) => f,
        Err(e) => {
            problems.push(format!("not a Word document: no word/document.xml ({e})"));
            return (String::new(), problems);
        }
    };
    let mut xml = Vec::new();
    // Read at most the budget whatever the archive declares: a declared
    // size can lie, the bytes read cannot.
    let limit = budget.max_expanded as u64;
    if let Err(e) = (&mut file).take(limit + 1).read_to_end(&mut xml) {
        problems.push(format!(
            "the document is damaged ({e}); read what came before"
        ));
    }
    if xml.len() as u64 > limit {
        xml.truncate(budget.max_expanded);
        problems.push(format!(
            "the document expands past the {} byte limit: only its opening was read",
            budget.max_expanded
        ));
    }
    let xml = String::from_utf8_lossy(&xml);
    (runs_text(&xml), problems)
}

/// The text of WordprocessingML: `w:t` runs, paragraphs as lines.
fn runs_text(xml: &str) -> String {
    let mut out = String::new();
    for c in DOCX_TOKEN.captures_iter(xml) {
        if let Some(t) = c.get(1) {
            out.push_str(&unescape_xml(t.as_str()));
        } else if c.get(2).is_some() || c.get(4).is_some() {
            out.push('\n');
        } else if c.get(3).is_some() {
            out.push('\t');
        }
    }
    out.trim().to_string()
}

fn unescape_xml(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|e| *e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let ch = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Test documents built in code, so the tests need no binary files of
/// unknown origin.
#[cfg(test)]
mod samples {
    use std::io::Write;

    /// A one-page PDF whose page shows `text` (Helvetica, uncompressed).
    pub fn pdf(text: &str) -> Vec<u8> {
        pdf_with_content(&format!(
            "BT /F1 12 Tf 72 712 Td ({}) Tj ET",
            text.replace('\\', "\\\\")
                .replace('(', "\\(")
                .replace(')', "\\)")
        ))
    }

    /// A PDF whose single page content is `content`, written raw.
    pub fn pdf_with_content(content: &str) -> Vec<u8> {
        pdf_with_stream(content.as_bytes(), "")
    }

    /// A PDF whose page content stream holds `data` with extra dictionary
    /// entries `extra` (e.g. `/Filter /FlateDecode`).
    pub fn pdf_with_stream(data: &[u8], extra: &str) -> Vec<u8> {
        let mut out: Vec<u8> = b"%PDF-1.4\n".to_vec();
        let mut offsets = Vec::new();
        let objects: Vec<Vec<u8>> = vec![
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_vec(),
            {
                let mut s = format!("<< /Length {}{extra} >>\nstream\n", data.len()).into_bytes();
                s.extend_from_slice(data);
                s.extend_from_slice(b"\nendstream");
                s
            },
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
                .to_vec(),
        ];
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
        );
        for o in &offsets {
            out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    /// A `.docx` whose body has one paragraph per line of `text`.
    pub fn docx(text: &str) -> Vec<u8> {
        let paras: String = text
            .lines()
            .map(|l| {
                format!(
                    "<w:p><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
                    l.replace('&', "&amp;")
                        .replace('<', "&lt;")
                        .replace('>', "&gt;")
                )
            })
            .collect();
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{paras}</w:body></w:document>"
        );
        zip_with("word/document.xml", xml.as_bytes())
    }

    /// A zip archive holding one deflated file.
    pub fn zip_with(name: &str, data: &[u8]) -> Vec<u8> {
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            // Writing to memory cannot fail short of allocation failure.
            if w.start_file(name, opts).is_ok() {
                let _ = w.write_all(data);
            }
            let _ = w.finish();
        }
        buf.into_inner()
    }

    /// `data` compressed with zlib (PDF FlateDecode).
    pub fn flate(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        let _ = e.write_all(data);
        e.finish().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str, bytes: &[u8]) -> Extracted {
        let doc = doc_type(Some(name), "application/octet-stream", bytes).expect("known type");
        extract(name, doc, bytes, &BUDGET)
    }

    #[test]
    fn reads_the_text_of_a_pdf() {
        let e = run(
            "complaint.pdf",
            &samples::pdf("I want to make a formal complaint"),
        );
        assert!(e.text.contains("formal complaint"), "{e:?}");
        assert!(e.problems.is_empty(), "{e:?}");
        assert_eq!(e.source, "attachment complaint.pdf");
    }

    #[test]
    fn reads_a_compressed_pdf_page() {
        let content = b"BT /F1 12 Tf 72 712 Td (My tutor never turned up) Tj ET";
        let pdf = samples::pdf_with_stream(&samples::flate(content), " /Filter /FlateDecode");
        let e = run("letter.pdf", &pdf);
        assert!(e.text.contains("never turned up"), "{e:?}");
    }

    #[test]
    fn reads_the_runs_of_a_docx() {
        let e = run(
            "letter.docx",
            &samples::docx("Dear Sir\nI am unhappy & want a refund <now>"),
        );
        assert!(
            e.text
                .contains("Dear Sir\nI am unhappy & want a refund <now>"),
            "{e:?}"
        );
        assert!(e.problems.is_empty());
    }

    #[test]
    fn a_flate_bomb_in_a_pdf_is_cut_off_with_a_reason() {
        // 64 MiB of spaces compress to about 64 KiB: past the 8 MiB budget.
        let bomb = samples::flate(&vec![b' '; 64 * 1024 * 1024]);
        let pdf = samples::pdf_with_stream(&bomb, " /Filter /FlateDecode");
        let e = run("bomb.pdf", &pdf);
        assert!(e.text.is_empty());
        assert!(
            e.problems.iter().any(|p| p.contains("expands past")),
            "{e:?}"
        );
    }

    #[test]
    fn a_zip_bomb_docx_is_cut_off_with_a_reason() {
        let mut xml =
            b"<w:document><w:body><w:p><w:r><w:t>I am not happy</w:t></w:r></w:p>".to_vec();
        xml.extend(std::iter::repeat_n(b' ', 64 * 1024 * 1024));
        let e = run("bomb.docx", &samples::zip_with("word/document.xml", &xml));
        assert!(e.text.contains("I am not happy"), "{e:?}");
        assert!(
            e.problems.iter().any(|p| p.contains("expands past")),
            "{e:?}"
        );
    }

    #[test]
    fn a_docx_that_is_not_a_zip_says_so() {
        let e = run("letter.docx", b"this is plain text pretending to be Word");
        assert!(e.text.is_empty());
        assert!(e.problems[0].contains("not a zip archive"), "{e:?}");
    }

    #[test]
    fn malformed_and_truncated_pdfs_say_what_could_not_be_read() {
        let good = samples::pdf("I want to make a formal complaint");
        for bad in [
            b"%PDF-1.7\n garbage garbage".to_vec(),
            good[..good.len() / 2].to_vec(),
            b"%PDF-".to_vec(),
        ] {
            let e = run("broken.pdf", &bad);
            assert!(!e.problems.is_empty(), "{e:?}");
        }
    }

    #[test]
    fn an_encrypted_pdf_says_so() {
        // An /Encrypt dictionary with a handler lopdf cannot open.
        let mut pdf = samples::pdf("secret words");
        let text = String::from_utf8_lossy(&pdf).replace(
            "/Root 1 0 R >>",
            "/Root 1 0 R /Encrypt << /Filter /Standard /V 4 /R 4 /Length 128 /O <00> /U <00> /P -4 >> /ID [<01> <01>] >>",
        );
        pdf = text.into_bytes();
        let e = run("locked.pdf", &pdf);
        assert!(!e.text.contains("secret words"), "{e:?}");
        assert!(e.problems.iter().any(|p| p.contains("encrypted")), "{e:?}");
    }

    #[test]
    fn too_large_attachments_are_not_opened() {
        let budget = Budget {
            max_input: 10,
            ..BUDGET
        };
        let e = extract("big.pdf", DocType::Pdf, &samples::pdf("x"), &budget);
        assert!(e.problems[0].contains("over the 10 byte limit"), "{e:?}");
    }

    #[test]
    fn entities_are_decoded() {
        assert_eq!(
            unescape_xml("a &amp; b &#233; &#x41; &bogus; &"),
            "a & b é A &bogus; &"
        );
    }
}
