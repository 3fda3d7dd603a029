//! First pass over a page: pulldown-cmark events become a flat list of blocks (headings,
//! paragraphs, list items, tables, directives, comments) with their text, links and
//! 1-based lines. Nothing here knows what a catalogue means; see the parent module.
//!
//! Every URL of the page outside HTML comments ends up somewhere: in a block's links, or,
//! where Markdown is not read (code, MyST directives, raw HTML), in a [`Block::Unread`].

use std::ops::Range;

use linkify::{LinkFinder, LinkKind};

use super::{cell_title, shortcodes};
use pulldown_cmark::{CodeBlockKind, Event, LinkType, Options, Parser, Tag, TagEnd};

/// Maps byte offsets to 1-based line numbers.
pub(super) struct LineIndex {
    newlines: Vec<usize>,
}

impl LineIndex {
    pub(super) fn new(text: &str) -> Self {
        LineIndex {
            newlines: text
                .bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        }
    }

    /// The line holding byte `offset`.
    pub(super) fn line(&self, offset: usize) -> u32 {
        let before = self.newlines.partition_point(|&nl| nl < offset);
        u32::try_from(before + 1).unwrap_or(u32::MAX)
    }
}

/// How a link was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LinkForm {
    /// `[text](url)` or a reference link.
    Markdown,
    /// `<https://...>`.
    Autolink,
    /// A URL in running text.
    Bare,
    /// `![alt](src)`.
    Image,
}

/// A link, autolink, bare URL or image.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct LinkRef {
    /// The target as written (pulldown-cmark resolves only escapes and entities).
    pub url: String,
    /// The link text, or the URL itself for autolinks and bare URLs.
    pub text: String,
    pub line: u32,
    pub form: LinkForm,
    /// For a link: it wraps an image (a badge). For an image: it sits inside a link.
    pub wraps_image: bool,
}

/// A MyST `{cite}` role.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Cite {
    pub line: u32,
    /// `cite`, `cite:p`, `cite:t`, ...
    pub role: String,
    pub keys: Vec<String>,
}

/// The inline content of a heading, paragraph, list item or table cell.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Inline {
    /// All text, link texts included.
    pub text: String,
    /// Text outside links, bare URLs and `{cite}` roles: what the author wrote around them.
    pub prose: String,
    /// The strong span the content starts with (`**Title** (2015), ...`).
    pub strong: Option<String>,
    /// Non-space text outside emphasis and strong spans, counted in characters.
    pub plain_chars: usize,
    pub links: Vec<LinkRef>,
    pub cites: Vec<Cite>,
    /// Inline HTML comments: (line, text).
    pub comments: Vec<(u32, String)>,
    pub line: u32,
    /// Source bytes.
    pub span: Range<usize>,
}

impl Inline {
    /// Every visible character is inside emphasis or strong: a label such as `*(Blogs)*`.
    pub(super) fn is_label(&self) -> bool {
        self.plain_chars == 0 && self.links.is_empty() && !self.text.trim().is_empty()
    }
}

/// A table: header texts and body rows.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Table {
    pub line: u32,
    pub header: Vec<String>,
    /// The header cells' content, for the links an author may put there.
    pub header_cells: Vec<Inline>,
    pub rows: Vec<Row>,
}

/// A table body row: the cells pulldown-cmark kept, and the raw source line, which still
/// holds any cells beyond the header's count.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Row {
    pub line: u32,
    pub cells: Vec<Inline>,
    pub raw: String,
}

/// A block of the page, in source order.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Block {
    Heading {
        level: u8,
        inline: Inline,
    },
    Paragraph(Inline),
    /// A list item's own content (nested items are blocks of their own, after it).
    Item {
        depth: usize,
        inline: Inline,
    },
    Table(Table),
    /// A fenced block with a `{directive}` info string.
    Directive {
        line: u32,
        name: String,
    },
    /// An HTML comment, in a block of HTML or inline.
    Comment {
        line: u32,
        text: String,
    },
    /// A URL where Markdown is not read: in code, a MyST directive or raw HTML.
    Unread {
        line: u32,
        url: String,
        place: Unread,
    },
    /// A thematic break (`---`).
    Rule {
        line: u32,
        offset: usize,
    },
}

/// Where a page holds text that is not read as Markdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unread {
    /// A fenced or indented code block.
    CodeBlock,
    /// A code span (`` `...` ``), a `{cite}` role's included.
    InlineCode,
    /// A fenced block with a `{directive}` info string.
    Directive,
    /// Raw HTML other than a comment.
    Html,
}

/// What an open container is; `collects` says whether it owns an inline collector.
enum Frame {
    Heading(u8),
    Paragraph {
        collects: bool,
    },
    Item {
        slot: usize,
    },
    Cell,
    Link {
        url: String,
        form: LinkForm,
        text_start: usize,
        line: u32,
    },
    Image {
        url: String,
        text_start: usize,
        line: u32,
    },
    Strong {
        text_start: usize,
        at_start: bool,
    },
    Emphasis,
    /// A code block, or a directive's body.
    CodeBlock(Unread),
    /// An HTML block: its lines, each with its offset in the text read.
    HtmlBlock(Vec<(usize, String)>),
    Other,
}

/// Pulldown-cmark options for catalogue pages: GFM tables and the other GFM extensions
/// authors use in READMEs; math so `$...$` is not read as emphasis.
pub(super) fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_GFM
        | Options::ENABLE_MATH
}

/// Reads the page into blocks.
pub(super) fn read_blocks(text: &str, lines: &LineIndex) -> Vec<Block> {
    read_part(text, 0, lines, false)
}

/// Reads `text`, which starts at byte `base` of the page, into blocks whose lines and spans
/// are the page's. `nested` is true for the rest of a line after an HTML comment.
fn read_part(text: &str, base: usize, lines: &LineIndex, nested: bool) -> Vec<Block> {
    let mut walker = Walker {
        text,
        base,
        nested,
        lines,
        blocks: Vec::new(),
        frames: Vec::new(),
        collectors: Vec::new(),
        table: None,
        row: None,
        in_head: false,
        in_comment: false,
        pending: None,
        finder: {
            let mut finder = LinkFinder::new();
            finder.kinds(&[LinkKind::Url]);
            finder
        },
    };
    for (event, range) in Parser::new_ext(text, options()).into_offset_iter() {
        walker.event(event, range);
    }
    walker.blocks
}

struct Walker<'t> {
    /// The text read: the page, or a part of it.
    text: &'t str,
    /// Where `text` starts in the page.
    base: usize,
    /// Reading the rest of a line after an HTML comment (which never holds another).
    nested: bool,
    lines: &'t LineIndex,
    blocks: Vec<Block>,
    frames: Vec<Frame>,
    collectors: Vec<Inline>,
    table: Option<Table>,
    row: Option<Row>,
    in_head: bool,
    /// Inside an inline HTML comment that pulldown-cmark split over several events.
    in_comment: bool,
    /// Running text outside links not yet searched for bare URLs: (text, source start).
    pending: Option<(String, usize)>,
    finder: LinkFinder,
}

impl Walker<'_> {
    /// The page line of byte `offset` of the text read.
    fn line(&self, offset: usize) -> u32 {
        self.lines.line(self.base + offset)
    }

    /// The page line of `needle` in the text read at or after `from` (escapes and
    /// stripped indentation may shift it a little), else of `from`.
    fn line_of(&self, needle: &str, from: usize) -> u32 {
        let from = from.min(self.text.len());
        self.text
            .get(from..)
            .and_then(|rest| rest.find(needle))
            .map_or_else(|| self.line(from), |i| self.line(from + i))
    }

    /// Records the URLs of text that is not read as Markdown, which starts at `from`.
    fn unread(&mut self, text: &str, from: usize, place: Unread) {
        let found: Vec<Block> = self
            .finder
            .links(text)
            .map(|link| Block::Unread {
                line: self.line_of(link.as_str(), from),
                url: link.as_str().to_owned(),
                place,
            })
            .collect();
        self.blocks.extend(found);
    }

    fn in_link(&self) -> bool {
        self.frames
            .iter()
            .any(|f| matches!(f, Frame::Link { .. } | Frame::Image { .. }))
    }

    fn code_block(&self) -> Option<Unread> {
        self.frames.iter().find_map(|f| match f {
            Frame::CodeBlock(place) => Some(*place),
            _ => None,
        })
    }

    fn emphasised(&self) -> bool {
        self.frames
            .iter()
            .any(|f| matches!(f, Frame::Strong { .. } | Frame::Emphasis))
    }

    fn item_open(&self) -> bool {
        matches!(
            self.frames
                .iter()
                .rev()
                .find(|f| !matches!(f, Frame::Other | Frame::Paragraph { .. })),
            Some(Frame::Item { .. })
        )
    }

    fn start_inline(&mut self, range: &Range<usize>) {
        self.collectors.push(Inline {
            line: self.line(range.start),
            span: self.base + range.start..self.base + range.end,
            ..Inline::default()
        });
    }

    fn event(&mut self, event: Event<'_>, range: Range<usize>) {
        match event {
            Event::Start(tag) => self.start(tag, range),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => match self.code_block() {
                Some(place) => self.unread(&t, range.start, place),
                None if !self.in_comment => self.text(&t, range),
                None => {}
            },
            Event::Code(code) => {
                if !self.in_comment {
                    self.code(&code, range);
                }
            }
            Event::InlineMath(t) | Event::DisplayMath(t) => {
                if !self.in_comment {
                    self.flush();
                    self.push_text(&t, false);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                self.flush();
                self.push_text("\n", false);
            }
            Event::InlineHtml(html) => self.inline_html(&html, range),
            Event::Html(html) => {
                if let Some(Frame::HtmlBlock(pieces)) = self.frames.last_mut() {
                    pieces.push((range.start, html.to_string()));
                }
            }
            Event::Rule => self.blocks.push(Block::Rule {
                line: self.line(range.start),
                offset: self.base + range.start,
            }),
            Event::FootnoteReference(_) | Event::TaskListMarker(_) => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>, range: Range<usize>) {
        if !matches!(tag, Tag::Link { .. } | Tag::Image { .. }) {
            self.flush();
        }
        let frame = match tag {
            Tag::Heading { level, .. } => {
                self.start_inline(&range);
                Frame::Heading(level as u8)
            }
            Tag::Paragraph => {
                if self.item_open() && !self.collectors.is_empty() {
                    // A loose list item: its paragraphs are the item's own text.
                    if let Some(c) = self.collectors.last_mut()
                        && !c.text.is_empty()
                    {
                        c.text.push('\n');
                        c.prose.push('\n');
                    }
                    Frame::Paragraph { collects: false }
                } else {
                    self.start_inline(&range);
                    Frame::Paragraph { collects: true }
                }
            }
            Tag::Item => {
                let depth = self
                    .frames
                    .iter()
                    .filter(|f| matches!(f, Frame::Item { .. }))
                    .count();
                // The slot keeps the item before its nested items in block order.
                let slot = self.blocks.len();
                self.blocks.push(Block::Item {
                    depth,
                    inline: Inline::default(),
                });
                self.start_inline(&range);
                Frame::Item { slot }
            }
            Tag::Table(_) => {
                self.table = Some(Table {
                    line: self.line(range.start),
                    ..Table::default()
                });
                Frame::Other
            }
            Tag::TableHead => {
                self.in_head = true;
                Frame::Other
            }
            Tag::TableRow => {
                let line_start = self.text[..range.start].rfind('\n').map_or(0, |i| i + 1);
                let line_end = self.text[range.start..]
                    .find('\n')
                    .map_or(self.text.len(), |i| range.start + i);
                self.row = Some(Row {
                    line: self.line(range.start),
                    cells: Vec::new(),
                    raw: self.text[line_start..line_end].to_owned(),
                });
                Frame::Other
            }
            Tag::TableCell => {
                self.start_inline(&range);
                Frame::Cell
            }
            Tag::Link {
                link_type,
                dest_url,
                ..
            } => {
                self.flush();
                let form = match link_type {
                    LinkType::Autolink | LinkType::Email => LinkForm::Autolink,
                    _ => LinkForm::Markdown,
                };
                let url = if link_type == LinkType::Email && !dest_url.starts_with("mailto:") {
                    format!("mailto:{dest_url}")
                } else {
                    dest_url.to_string()
                };
                Frame::Link {
                    url,
                    form,
                    text_start: self.collectors.last().map_or(0, |c| c.text.len()),
                    line: self.line(range.start),
                }
            }
            Tag::Image { dest_url, .. } => {
                self.flush();
                Frame::Image {
                    url: dest_url.to_string(),
                    text_start: self.collectors.last().map_or(0, |c| c.text.len()),
                    line: self.line(range.start),
                }
            }
            Tag::Strong => {
                // A rank (`1) **Title**`) may come before the strong span that starts the
                // content.
                let at_start = self.collectors.last().is_some_and(|c| {
                    c.strong.is_none()
                        && (c.text.trim().is_empty() || cell_title::is_rank(c.text.trim()))
                });
                Frame::Strong {
                    text_start: self.collectors.last().map_or(0, |c| c.text.len()),
                    at_start,
                }
            }
            Tag::Emphasis => Frame::Emphasis,
            Tag::CodeBlock(kind) => {
                let mut place = Unread::CodeBlock;
                if let CodeBlockKind::Fenced(info) = kind {
                    let info = info.trim();
                    if info.starts_with('{') && info.contains('}') {
                        let name = info[1..info.find('}').unwrap_or(info.len())].trim();
                        self.blocks.push(Block::Directive {
                            line: self.line(range.start),
                            name: name.to_owned(),
                        });
                        place = Unread::Directive;
                    }
                    // A directive's argument (`{figure} https://...`) is not content either.
                    self.unread(info, range.start, place);
                }
                Frame::CodeBlock(place)
            }
            Tag::HtmlBlock => Frame::HtmlBlock(Vec::new()),
            _ => Frame::Other,
        };
        self.frames.push(frame);
    }

    fn end(&mut self, tag: TagEnd) {
        if !matches!(tag, TagEnd::Link | TagEnd::Image) {
            self.flush();
        }
        let Some(frame) = self.frames.pop() else {
            return;
        };
        match (tag, frame) {
            (TagEnd::Heading(_), Frame::Heading(level)) => {
                if let Some(inline) = self.collectors.pop() {
                    let inline = finished(inline);
                    self.blocks.push(Block::Heading { level, inline });
                }
            }
            (TagEnd::Paragraph, Frame::Paragraph { collects }) => {
                if collects && let Some(inline) = self.collectors.pop() {
                    self.blocks.push(Block::Paragraph(finished(inline)));
                }
            }
            (TagEnd::Item, Frame::Item { slot }) => {
                if let Some(inline) = self.collectors.pop()
                    && let Some(Block::Item { inline: target, .. }) = self.blocks.get_mut(slot)
                {
                    *target = finished(inline);
                }
            }
            (TagEnd::TableCell, Frame::Cell) => {
                if let Some(inline) = self.collectors.pop().map(finished) {
                    if self.in_head {
                        if let Some(table) = self.table.as_mut() {
                            table.header.push(inline.text.trim().to_owned());
                            table.header_cells.push(inline);
                        }
                    } else if let Some(row) = self.row.as_mut() {
                        row.cells.push(inline);
                    }
                }
            }
            (TagEnd::TableHead, _) => self.in_head = false,
            (TagEnd::TableRow, _) => {
                if let (Some(row), Some(table)) = (self.row.take(), self.table.as_mut()) {
                    table.rows.push(row);
                }
            }
            (TagEnd::Table, _) => {
                if let Some(table) = self.table.take() {
                    self.blocks.push(Block::Table(table));
                }
            }
            (
                TagEnd::Link,
                Frame::Link {
                    url,
                    form,
                    text_start,
                    line,
                },
            ) => {
                if let Some(c) = self.collectors.last_mut() {
                    let text = c.text.get(text_start..).unwrap_or("").trim().to_owned();
                    let wraps_image = c
                        .links
                        .last()
                        .is_some_and(|l| l.form == LinkForm::Image && l.wraps_image);
                    c.links.push(LinkRef {
                        url,
                        text,
                        line,
                        form,
                        wraps_image,
                    });
                }
            }
            (
                TagEnd::Image,
                Frame::Image {
                    url,
                    text_start,
                    line,
                },
            ) => {
                let inside_link = self.in_link();
                if let Some(c) = self.collectors.last_mut() {
                    let text = c.text.get(text_start..).unwrap_or("").trim().to_owned();
                    c.links.push(LinkRef {
                        url,
                        text,
                        line,
                        form: LinkForm::Image,
                        // Here the flag says "inside a link"; the link reads it at its end.
                        wraps_image: inside_link,
                    });
                }
            }
            (
                TagEnd::Strong,
                Frame::Strong {
                    text_start,
                    at_start,
                },
            ) => {
                if at_start && let Some(c) = self.collectors.last_mut() {
                    let strong = c.text.get(text_start..).unwrap_or("").trim().to_owned();
                    if !strong.is_empty() {
                        c.strong = Some(strong);
                    }
                }
            }
            (TagEnd::HtmlBlock, Frame::HtmlBlock(pieces)) => self.html_block(&pieces),
            _ => {}
        }
    }

    /// An HTML block: its comments, then either the Markdown after a comment the block
    /// starts with, or the URLs of its HTML.
    fn html_block(&mut self, pieces: &[(usize, String)]) {
        let mut html = String::new();
        // Where each piece starts, in `html` and in the text read.
        let mut starts = Vec::with_capacity(pieces.len());
        for (start, piece) in pieces {
            starts.push((html.len(), *start));
            html.push_str(piece);
        }
        let source = |at: usize| {
            let i = starts.partition_point(|&(h, _)| h <= at).saturating_sub(1);
            starts.get(i).map_or(0, |&(h, s)| s + (at - h))
        };
        let (outside, comments) = blank_comments(&html);
        for comment in &comments {
            self.blocks.push(Block::Comment {
                line: self.line(source(comment.start)),
                text: html[comment.clone()].to_owned(),
            });
        }
        let indent = html.len() - html.trim_start().len();
        match comments.first() {
            Some(first) if first.start == indent && !self.nested => {
                // CommonMark ends a block that starts with a comment on the line that closes
                // the comment; the rest of that line is Markdown written after a comment.
                let end = outside[first.end..]
                    .find('\n')
                    .map_or(outside.len(), |i| first.end + i);
                let rest = &outside[first.end..end];
                let start = first.end + (rest.len() - rest.trim_start().len());
                if start < end {
                    let blocks = read_part(
                        &outside[start..end],
                        self.base + source(start),
                        self.lines,
                        true,
                    );
                    self.blocks.extend(blocks);
                }
            }
            _ => {
                for (at, url) in html_urls(&outside) {
                    self.blocks.push(Block::Unread {
                        line: self.line(source(at)),
                        url,
                        place: Unread::Html,
                    });
                }
            }
        }
    }

    fn inline_html(&mut self, html: &str, range: Range<usize>) {
        if self.in_comment {
            if html.contains("-->") {
                self.in_comment = false;
            }
            return;
        }
        if is_line_break(html) {
            // `<br>` inside a table cell or paragraph separates lines, as it renders.
            self.flush();
            self.push_text("\n", false);
            return;
        }
        if html.trim_start().starts_with("<!--") {
            self.flush();
            let line = self.line(range.start);
            if let Some(c) = self.collectors.last_mut() {
                c.comments.push((line, html.to_owned()));
            } else {
                self.blocks.push(Block::Comment {
                    line,
                    text: html.to_owned(),
                });
            }
            if !html.contains("-->") {
                self.in_comment = true;
            }
        } else {
            // Report order is by line, so these may precede their paragraph here.
            for (at, url) in html_urls(html) {
                self.blocks.push(Block::Unread {
                    line: self.line(range.start + at),
                    url,
                    place: Unread::Html,
                });
            }
        }
    }

    fn text(&mut self, text: &str, range: Range<usize>) {
        if self.collectors.is_empty() {
            return;
        }
        if self.in_link() {
            self.push_text(text, true);
            return;
        }
        match self.pending.as_mut() {
            Some((buffer, _)) => buffer.push_str(text),
            None => self.pending = Some((text.to_owned(), range.start)),
        }
    }

    fn code(&mut self, code: &str, range: Range<usize>) {
        self.flush();
        let line = self.line(range.start);
        let in_link = self.in_link();
        if !in_link {
            // A URL in a `{cite}` role is no citation key either.
            self.unread(code, range.start, Unread::InlineCode);
        }
        let Some(c) = self.collectors.last_mut() else {
            return;
        };
        if !in_link && let Some(role) = trailing_cite_role(&c.prose).map(str::to_owned) {
            let cut = c.prose.len() - role.len() - 2;
            c.prose.truncate(cut);
            c.cites.push(Cite {
                line,
                role,
                keys: code
                    .split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(str::to_owned)
                    .collect(),
            });
            c.text.push_str(code);
            return;
        }
        self.push_text(code, in_link);
    }

    fn push_text(&mut self, text: &str, in_link: bool) {
        let emphasised = self.emphasised();
        if let Some(c) = self.collectors.last_mut() {
            c.text.push_str(text);
            if !in_link {
                c.prose.push_str(text);
                if !emphasised {
                    c.plain_chars += text.chars().filter(|ch| !ch.is_whitespace()).count();
                }
            }
        }
    }

    /// Searches the running text for bare URLs (linkify), which become links, and moves the
    /// text into the collector.
    fn flush(&mut self) {
        let Some((buffer, start)) = self.pending.take() else {
            return;
        };
        let emphasised = self.emphasised();
        let mut found = Vec::new();
        let mut prose = String::with_capacity(buffer.len());
        let mut last = 0;
        for link in self.finder.links(&buffer) {
            prose.push_str(&buffer[last..link.start()]);
            last = link.end();
            let line = self.line_of(link.as_str(), start);
            found.push(LinkRef {
                url: link.as_str().to_owned(),
                text: link.as_str().to_owned(),
                line,
                form: LinkForm::Bare,
                wraps_image: false,
            });
        }
        prose.push_str(&buffer[last..]);
        if let Some(c) = self.collectors.last_mut() {
            c.text.push_str(&buffer);
            if !emphasised {
                c.plain_chars += prose.chars().filter(|ch| !ch.is_whitespace()).count();
            }
            c.prose.push_str(&prose);
            c.links.extend(found);
        }
    }
}

/// An inline's text as it reads: emoji shortcodes in its text, prose, strong span and link
/// texts become their emoji ([`shortcodes::replace`]).
fn finished(mut inline: Inline) -> Inline {
    let replace = |s: &mut String| {
        if let std::borrow::Cow::Owned(new) = shortcodes::replace(s) {
            *s = new;
        }
    };
    replace(&mut inline.text);
    replace(&mut inline.prose);
    if let Some(strong) = inline.strong.as_mut() {
        replace(strong);
    }
    for link in &mut inline.links {
        replace(&mut link.text);
    }
    inline
}

/// `<br>`, `<br/>`, `<br />` in any case.
fn is_line_break(html: &str) -> bool {
    let tag = html.trim().to_ascii_lowercase();
    let Some(inner) = tag.strip_prefix('<').and_then(|t| t.strip_suffix('>')) else {
        return false;
    };
    inner.trim_end_matches('/').trim() == "br"
}

/// The text with each HTML comment (`<!--` to `-->`, or to the end when it never closes)
/// blanked out with spaces, line breaks kept, and the comments' byte ranges.
fn blank_comments(html: &str) -> (String, Vec<Range<usize>>) {
    let mut out = String::with_capacity(html.len());
    let mut comments = Vec::new();
    let mut at = 0;
    while let Some(open) = html[at..].find("<!--").map(|i| at + i) {
        let close = html[open + 4..]
            .find("-->")
            .map_or(html.len(), |i| open + 4 + i + 3);
        out.push_str(&html[at..open]);
        for c in html[open..close].chars() {
            if c == '\n' {
                out.push('\n');
            } else {
                out.extend(std::iter::repeat_n(' ', c.len_utf8()));
            }
        }
        comments.push(open..close);
        at = close;
    }
    out.push_str(&html[at..]);
    (out, comments)
}

/// The URLs in raw HTML, by byte offset: `href` and `src` attribute values (relative ones
/// too), then any other URL in the text (a Markdown link or a bare URL inside a `<div>`).
fn html_urls(html: &str) -> Vec<(usize, String)> {
    let lower = html.to_ascii_lowercase();
    let mut found: Vec<(usize, String)> = Vec::new();
    let mut values: Vec<Range<usize>> = Vec::new();
    for name in ["href", "src"] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(name).map(|i| from + i) {
            from = i + name.len();
            let boundary = i == 0 || !lower.as_bytes()[i - 1].is_ascii_alphanumeric();
            let Some(after_eq) = html[from..].trim_start().strip_prefix('=') else {
                continue;
            };
            if !boundary {
                continue;
            }
            let value_text = after_eq.trim_start();
            let value_start = html.len() - value_text.len();
            let (start, len) = match value_text.chars().next() {
                Some(quote @ ('"' | '\'')) => (
                    value_start + 1,
                    value_text[1..].find(quote).unwrap_or(value_text.len() - 1),
                ),
                _ => (
                    value_start,
                    value_text
                        .find(|c: char| c.is_whitespace() || c == '>')
                        .unwrap_or(value_text.len()),
                ),
            };
            let value = html[start..start + len].trim();
            if !value.is_empty() {
                found.push((start, value.to_owned()));
                values.push(start..start + len);
            }
        }
    }
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Url]);
    for link in finder.links(html) {
        if !values.iter().any(|v| v.contains(&link.start())) {
            found.push((link.start(), link.as_str().to_owned()));
        }
    }
    found.sort();
    found
}

/// The role name of a `{cite}` / `{cite:p}` role at the end of `prose`.
fn trailing_cite_role(prose: &str) -> Option<&str> {
    let body = prose.strip_suffix('}')?;
    let open = body.rfind('{')?;
    let role = &body[open + 1..];
    let ok = role == "cite"
        || role
            .strip_prefix("cite:")
            .is_some_and(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_alphabetic()));
    ok.then_some(role)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(text: &str) -> Vec<Block> {
        read_blocks(text, &LineIndex::new(text))
    }

    #[test]
    fn line_index_counts_from_one() {
        let index = LineIndex::new("a\nb\n\nc");
        assert_eq!(
            [0, 1, 2, 3, 4, 5].map(|o| index.line(o)),
            [1, 1, 2, 2, 3, 4]
        );
    }

    #[test]
    fn bare_urls_become_links_and_leave_the_prose() {
        let b = blocks("Pooling is poor. - https://example.org/a-b?x=1&y=2\n");
        let Block::Paragraph(inline) = &b[0] else {
            panic!("{b:?}")
        };
        assert_eq!(inline.links.len(), 1);
        assert_eq!(inline.links[0].url, "https://example.org/a-b?x=1&y=2");
        assert_eq!(inline.links[0].form, LinkForm::Bare);
        assert_eq!(inline.prose.trim(), "Pooling is poor. -");
    }

    #[test]
    fn items_come_before_their_nested_items() {
        let b = blocks("- a\n  - b\n- c\n");
        let texts: Vec<(usize, String)> = b
            .iter()
            .map(|b| match b {
                Block::Item { depth, inline } => (*depth, inline.text.trim().to_owned()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            texts,
            [
                (0, "a".to_owned()),
                (1, "b".to_owned()),
                (0, "c".to_owned())
            ]
        );
    }

    #[test]
    fn cite_roles_are_collected_with_their_keys() {
        let b = blocks("Grokking {cite}`power2022, liu2022` and {cite:p}`x`.\n");
        let Block::Paragraph(inline) = &b[0] else {
            panic!()
        };
        assert_eq!(inline.cites.len(), 2);
        assert_eq!(inline.cites[0].keys, ["power2022", "liu2022"]);
        assert_eq!(inline.cites[1].role, "cite:p");
        assert!(!inline.prose.contains("{cite"));
    }

    #[test]
    fn comments_badges_and_directives_are_blocks() {
        let b = blocks(
            "<!-- [a](https://x.org) -->\n\n[![B](https://img/b.svg)](https://github.com/x)\n\n```{bibliography}\n```\n",
        );
        assert!(matches!(&b[0], Block::Comment { line: 1, .. }));
        let Block::Paragraph(inline) = &b[1] else {
            panic!()
        };
        assert_eq!(inline.links.len(), 2);
        assert_eq!(inline.links[0].form, LinkForm::Image);
        assert!(inline.links[1].wraps_image);
        assert!(matches!(&b[2], Block::Directive { name, .. } if name == "bibliography"));
    }

    #[test]
    fn table_rows_keep_their_raw_line() {
        let b = blocks("| a | b |\n|---|---|\n| 1 | 2 | 3 |\n");
        let Block::Table(table) = &b[0] else { panic!() };
        assert_eq!(table.header, ["a", "b"]);
        assert_eq!(table.rows[0].cells.len(), 2);
        assert_eq!(table.rows[0].raw, "| 1 | 2 | 3 |");
        assert_eq!(table.rows[0].line, 3);
    }
}
