/* The search page: queries data/cables.db in the browser (see generator/database/schema.py).
 *
 * sql.js-httpvfs (vendor/sql.js-httpvfs) runs SQLite in a worker and reads the
 * database with HTTP range requests, a 4 KB page at a time, so every query is
 * shaped to touch few pages:
 *   - a cable's number (the rowid) is its date, so the full-text index gives
 *     the newest matches first and stops after CAP + 1 of them (HEAVY_CAP
 *     + 1 where each match costs a lookup of its own);
 *   - facet counts come from the narrow `facets` rows of those matches;
 *   - relevance (bm25) reads each word's whole posting list, so it is used
 *     only when every word of the query is in at most CAP cables; otherwise
 *     the results are the newest first, and the page says so.
 * Everything a cable holds is untrusted: it reaches the page as DOM text
 * (textContent), never as HTML, and the marked snippet is made of text
 * nodes and <mark> elements.
 */
(function () {
  "use strict";

  var CAP = 1000; // matches looked at per query (counts, pages, relevance)
  // Matches looked at when each costs a lookup of its own: a phrase (both
  // words' positions are read until CAP matches are found: 5.5 MB for
  // "prime minister" at 251,052 cables with CAP) or a query driven from a
  // facet's rows (one full-text lookup per row), or filtered by two facets
  // (a common word's matches each looked up in `facets` until CAP pass both
  // filters: 11 MB for a common word with an origin and a classification).
  // The page says that only the newest of them are listed and counted.
  var HEAVY_CAP = 100;
  var PER_PAGE = 20;
  var SNIPPET_WORDS = 40;
  var SLOTS = 4096; // as generator/database/schema.py
  var FACETS = ["tag", "origin", "classification"];

  var root = document.getElementById("search");
  if (!root) return;
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var pager = document.getElementById("search-pages");
  var home = new URL(root.dataset.home, location.href);
  var worker = null;
  var current = 0; // the number of the search being shown (a newer one wins)
  var title = document.title;

  function absolute(path) {
    return new URL(path, location.href).href;
  }

  function database() {
    if (!worker) {
      worker = window.createDbWorker(
        [{ from: "inline", config: { serverMode: "full", requestChunkSize: 4096, url: absolute(root.dataset.database) } }],
        absolute(root.dataset.worker),
        absolute(root.dataset.wasm)
      );
    }
    return worker;
  }

  function query(sql, params) {
    return database().then(function (w) { return w.db.query(sql, params || []); });
  }

  // --- the state, in the URL -------------------------------------------------

  function readState() {
    var p = new URLSearchParams(location.search);
    var state = { q: p.get("q") || "", sort: p.get("sort") === "date" ? "date" : "relevance" };
    FACETS.forEach(function (f) { state[f] = p.get(f) || ""; });
    state.from = year(p.get("from"));
    state.to = year(p.get("to"));
    state.page = Math.max(1, parseInt(p.get("page"), 10) || 1);
    return state;
  }

  function year(text) {
    var value = parseInt(text, 10);
    return value >= 1900 && value <= 2100 ? String(value) : "";
  }

  function urlOf(state) {
    var p = new URLSearchParams();
    if (state.q) p.set("q", state.q);
    FACETS.forEach(function (f) { if (state[f]) p.set(f, state[f]); });
    if (state.from) p.set("from", state.from);
    if (state.to) p.set("to", state.to);
    if (state.sort === "date") p.set("sort", "date");
    if (state.page > 1) p.set("page", String(state.page));
    var text = p.toString();
    return location.pathname + (text ? "?" + text : "");
  }

  function stateOfForm() {
    var state = { q: input.value.trim(), page: 1 };
    FACETS.forEach(function (f) { state[f] = form.elements[f].value; });
    state.from = year(form.elements.from.value);
    state.to = year(form.elements.to.value);
    state.sort = form.elements.sort.value === "date" ? "date" : "relevance";
    return state;
  }

  function go(state) {
    history.pushState(null, "", urlOf(state));
    run(state);
  }

  // --- the query language: words, "phrases", -word, word* --------------------

  // Each part is quoted for FTS5 (a double quote doubled), so nothing a reader
  // types is read as FTS5 syntax but the operators built here.
  function parse(text) {
    var parts = [];
    var re = /(-?)"([^"]*)"|(\S+)/g;
    var m;
    while ((m = re.exec(text)) !== null) {
      if (m[3] !== undefined) {
        var word = m[3];
        var negative = word.charAt(0) === "-";
        if (negative) word = word.slice(1);
        var prefix = /\*$/.test(word);
        var tokens = words(word);
        if (!tokens.length) continue;
        parts.push({ negative: negative, prefix: prefix, tokens: tokens });
      } else {
        var phrase = words(m[2]);
        if (phrase.length) parts.push({ negative: m[1] === "-", prefix: false, tokens: phrase });
      }
    }
    return parts;
  }

  function words(text) {
    return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) || [];
  }

  function quoted(tokens) {
    return '"' + tokens.join(" ").replace(/"/g, '""') + '"';
  }

  // A part for FTS5; a prefix as the words it was spelt out as (see spell).
  function fts(part) {
    if (!part.words) return quoted(part.tokens);
    var head = part.tokens.slice(0, -1);
    return "(" + part.words.map(function (w) { return quoted(head.concat([w])); }).join(" OR ") + ")";
  }

  // A prefix (refug*) spelt out as the words of the index it stands for, the
  // commonest SPELT of them, from the `terms` table: FTS5 answers a prefix by
  // merging the whole posting list of every word it covers before giving a
  // single match (8 MB for refug* at 251,052 cables), where a list of words is
  // read a page at a time from the newest match, like any word. At most
  // SPELL_SCAN words of the prefix's range are read (about 40 KB), so that
  // a one-letter prefix does not read a tenth of the vocabulary.
  var SPELT = 32;
  var SPELL_SCAN = 2000;

  function spell(parts) {
    return Promise.all(parts.map(function (part) {
      if (!part.prefix) return part;
      var stem = part.tokens[part.tokens.length - 1];
      return query("SELECT term, cables FROM terms WHERE term >= ?1 AND term < ?2 LIMIT ?3", [stem, stem + "\uDBFF\uDFFF", SPELL_SCAN + 1])
        .then(function (rows) {
          var scanned = rows.length > SPELL_SCAN;
          rows = rows.slice(0, SPELL_SCAN).sort(function (a, b) { return b.cables - a.cables || (a.term < b.term ? -1 : 1); });
          return Object.assign({}, part, {
            words: rows.slice(0, SPELT).map(function (row) { return row.term; }),
            fewer: rows.length > SPELT ? (scanned ? "scanned" : "commonest") : ""
          });
        });
    }));
  }

  // What the page says of prefixes it did not spell out in full.
  function spellingNote(parts) {
    return parts.filter(function (p) { return p.fewer; }).map(function (p) {
      var stem = p.tokens[p.tokens.length - 1] + "*";
      return p.fewer === "scanned"
        ? stem + " stands for the " + SPELT + " commonest of the first " + SPELL_SCAN.toLocaleString("en") + " words it begins (give more letters for others)."
        : stem + " stands for its " + SPELT + " commonest words (give more letters for others).";
    }).join(" ");
  }

  // The FTS5 expression of the parts; "" when a required prefix stands for no word.
  function matchOf(parts) {
    parts = parts.filter(function (p) { return !(p.negative && p.words && !p.words.length); });
    var positive = parts.filter(function (p) { return !p.negative; });
    if (!positive.length) return null;
    if (positive.some(function (p) { return p.words && !p.words.length; })) return "";
    positive = positive.map(fts);
    var negative = parts.filter(function (p) { return p.negative; }).map(fts);
    var expression = "(" + positive.join(" AND ") + ")";
    negative.forEach(function (n) { expression += " NOT " + n; });
    return expression;
  }

  // A cable id typed as such (09PARIS100, 09 PARIS 100, 08SECSTATE74879).
  function cableId(text) {
    var m = /^\s*(\d{2})\s*([A-Za-z][A-Za-z ]*?[A-Za-z]|[A-Za-z])\s*(\d+)\s*$/.exec(text);
    return m ? m[1] + m[2].replace(/\s+/g, "").toUpperCase() + m[3] : null;
  }

  // --- dates as cable numbers ------------------------------------------------

  function numberOfYear(y) {
    var minutes = (Date.UTC(y, 0, 1) - Date.UTC(1900, 0, 1)) / 60000;
    return (minutes + 1) * SLOTS;
  }

  function range(state) {
    var lo = state.from ? numberOfYear(+state.from) : 0;
    var hi = state.to ? numberOfYear(+state.to + 1) - 1 : Number.MAX_SAFE_INTEGER;
    return [lo, hi];
  }

  // --- running a search ------------------------------------------------------

  // The facet chosen with the fewest cables in the whole archive, when it has
  // at most DRIVE: then the matches are found from its index, each checked
  // against the full-text index by rowid (a few pages each), instead of
  // reading a common word's postings until CAP matches pass the facet.
  var DRIVE = 3000;

  function narrowest(state) {
    var chosen = FACETS.filter(function (f) { return state[f]; });
    if (!chosen.length) return Promise.resolve(null);
    return query(
      "SELECT facet, count FROM facet_counts WHERE (facet = 'tag' AND value = ?1)" +
      " OR (facet = 'origin' AND value = ?2) OR (facet = 'classification' AND value = ?3) ORDER BY count LIMIT 1",
      [state.tag, state.origin, state.classification]
    ).then(function (rows) { return rows.length && rows[0].count <= DRIVE ? rows[0].facet : null; });
  }

  function isPhrase(part) {
    return !part.negative && part.tokens.length > 1;
  }

  // The matches looked at ({rows, cap}): at most cap + 1 rows, newest first.
  function candidates(state, match, parts) {
    if (!match) return plainCandidates(state, null, null, CAP).then(function (rows) { return { rows: rows, cap: CAP }; });
    return narrowest(state).then(function (facet) {
      var chosen = FACETS.filter(function (f) { return state[f]; }).length;
      var cap = facet || chosen > 1 || parts.some(isPhrase) ? HEAVY_CAP : CAP;
      return plainCandidates(state, match, facet, cap).then(function (rows) { return { rows: rows, cap: cap }; });
    });
  }

  function plainCandidates(state, match, driver, cap) {
    var r = range(state);
    var filters = " AND (?3 = '' OR f.origin = ?3) AND (?4 = '' OR f.classification = ?4)";
    var params = [r[0], r[1], state.origin, state.classification, state.tag, cap + 1];
    var columns = "SELECT f.n AS n, f.year AS year, f.origin AS origin, f.classification AS classification, f.tags AS tags ";
    var tag = " AND (?5 = '' OR EXISTS (SELECT 1 FROM cable_tags t WHERE t.n = f.n AND t.tag = ?5))";
    if (match && driver === "tag") {
      return query(columns + "FROM cable_tags t CROSS JOIN facets f ON f.n = t.n CROSS JOIN search s ON s.rowid = t.n" +
        " WHERE t.tag = ?5 AND t.n BETWEEN ?1 AND ?2 AND search MATCH ?7" + filters +
        " ORDER BY t.n DESC LIMIT ?6", params.concat([match]));
    }
    if (match && driver) {
      var index = driver === "origin" ? "facets_origin" : "facets_classification";
      return query(columns + "FROM facets f INDEXED BY " + index + " CROSS JOIN search s ON s.rowid = f.n" +
        " WHERE f." + driver + " = ?" + (driver === "origin" ? "3" : "4") + " AND f.n BETWEEN ?1 AND ?2 AND search MATCH ?7" +
        filters + tag + " ORDER BY f.n DESC LIMIT ?6", params.concat([match]));
    }
    if (match) {
      return query(columns + "FROM search s JOIN facets f ON f.n = s.rowid WHERE search MATCH ?7 AND s.rowid BETWEEN ?1 AND ?2" +
        filters + tag + " ORDER BY s.rowid DESC LIMIT ?6", params.concat([match]));
    }
    if (state.tag) {
      return query(columns + "FROM cable_tags t JOIN facets f ON f.n = t.n WHERE t.tag = ?5 AND t.n BETWEEN ?1 AND ?2" +
        filters + " ORDER BY t.n DESC LIMIT ?6", params);
    }
    return query(columns + "FROM facets f WHERE f.n BETWEEN ?1 AND ?2" + filters + " AND ?5 = ?5 ORDER BY f.n DESC LIMIT ?6", params);
  }

  // Whether bm25 can rank this query cheaply: each positive part in at most cap cables.
  function rankable(parts, cap) {
    var checks = parts.filter(function (p) { return !p.negative; }).map(function (p) {
      return query("SELECT rowid FROM search WHERE search MATCH ?1 LIMIT 1 OFFSET ?2", [fts(p), cap])
        .then(function (rows) { return rows.length === 0; });
    });
    return Promise.all(checks).then(function (all) { return all.every(Boolean); });
  }

  function ranked(state, match, offset) {
    var r = range(state);
    return query(
      "SELECT s.rowid AS n FROM search s JOIN facets f ON f.n = s.rowid WHERE search MATCH ?7 AND s.rowid BETWEEN ?1 AND ?2" +
      " AND (?3 = '' OR f.origin = ?3) AND (?4 = '' OR f.classification = ?4)" +
      " AND (?5 = '' OR EXISTS (SELECT 1 FROM cable_tags t WHERE t.n = f.n AND t.tag = ?5))" +
      " ORDER BY bm25(search, 10.0, 5.0, 1.0), s.rowid DESC LIMIT ?6 OFFSET ?8",
      [r[0], r[1], state.origin, state.classification, state.tag, PER_PAGE, match, offset]
    ).then(function (rows) { return rows.map(function (row) { return row.n; }); });
  }

  function details(numbers) {
    if (!numbers.length) return Promise.resolve([]);
    var marks = numbers.map(function (_, i) { return "?" + (i + 1); }).join(",");
    return query("SELECT n, id, title, created, origin, classification, subject, summary, url FROM cables WHERE n IN (" + marks + ")", numbers)
      .then(function (rows) {
        var byNumber = {};
        rows.forEach(function (row) { byNumber[row.n] = row; });
        return numbers.map(function (n) { return byNumber[n]; }).filter(Boolean);
      });
  }

  function totals() {
    return query("SELECT facet, value, count FROM facet_counts ORDER BY facet, count DESC, value").then(function (rows) {
      var counts = { tag: {}, origin: {}, classification: {}, year: {} };
      rows.forEach(function (row) { counts[row.facet][row.value] = row.count; });
      return counts;
    });
  }

  function run(state) {
    var mine = ++current;
    fillForm(state);
    var parts = parse(state.q);
    if (state.q && matchOf(parts) === null) {
      show(mine, state, { rows: [], counts: null, total: 0, note: "Give at least one word to look for (a -word only leaves words out)." });
      return;
    }
    status.textContent = "Searching…";
    spell(parts).then(function (spelt) {
      var match = matchOf(spelt);
      if (match === "") {
        show(mine, state, { rows: [], counts: null, total: 0, note: spellingNote(spelt) });
        return null;
      }
      return search(mine, state, spelt, match);
    }).catch(function (error) {
      if (mine !== current) return;
      status.textContent = "The search could not be run: " + (error && error.message ? error.message : String(error));
    });
  }

  function search(mine, state, parts, match) {
    var id = match ? cableId(state.q) : null;
    var lookup = id
      ? query("SELECT url FROM cables WHERE id = ?1 ORDER BY key LIMIT 1", [id])
      : Promise.resolve([]);
    return lookup.then(function (found) {
      if (found.length) {
        location.assign(new URL(found[0].url, home).href);
        return null;
      }
      var filtered = match || state.tag || state.origin || state.classification || state.from || state.to;
      return candidates(state, match, parts).then(function (found) {
        var cap = found.cap;
        var rows = found.rows;
        var more = rows.length > cap;
        if (more) rows = rows.slice(0, cap);
        var counting = filtered ? Promise.resolve(count(rows)) : totals();
        var wantRank = match && state.sort === "relevance";
        var ranking = wantRank && !more ? rankable(parts, cap) : Promise.resolve(false);
        return Promise.all([counting, ranking]).then(function (done) {
          var offset = (state.page - 1) * PER_PAGE;
          var numbers = done[1]
            ? ranked(state, match, offset)
            : Promise.resolve(rows.slice(offset, offset + PER_PAGE).map(function (row) { return row.n; }));
          return numbers.then(details).then(function (shown) {
            var note = "";
            if (wantRank && !done[1]) note = "These words are in many cables: results are shown newest first. Add a word or a facet to rank them by relevance.";
            note = [note, spellingNote(parts)].filter(Boolean).join(" ");
            show(mine, state, { rows: shown, counts: done[0], total: rows.length, more: more, cap: cap, exact: !more && filtered, note: note, parts: parts });
          });
        });
      });
    });
  }

  function count(rows) {
    var counts = { tag: {}, origin: {}, classification: {}, year: {} };
    rows.forEach(function (row) {
      add(counts.origin, row.origin);
      add(counts.classification, row.classification);
      if (row.year !== null) add(counts.year, String(row.year));
      tagsOf(row.tags).forEach(function (tag) { add(counts.tag, tag); });
    });
    return counts;
  }

  // A row's tags: a JSON array of strings (a tag may hold spaces).
  function tagsOf(text) {
    var tags;
    try { tags = JSON.parse(text); } catch (error) { return []; }
    return Array.isArray(tags) ? tags.filter(function (tag) { return typeof tag === "string" && tag; }) : [];
  }

  function add(counts, key) {
    counts[key] = (counts[key] || 0) + 1;
  }

  // --- showing it (DOM text only) ---------------------------------------------

  function fillForm(state) {
    input.value = state.q;
    FACETS.forEach(function (f) { form.elements[f].value = state[f]; });
    form.elements.from.value = state.from;
    form.elements.to.value = state.to;
    form.elements.sort.value = state.sort;
    document.title = (state.q ? state.q + " · " : "") + title;
  }

  function show(mine, state, found) {
    if (mine !== current) return;
    list.textContent = "";
    pager.textContent = "";
    if (found.counts) FACETS.forEach(function (f) { facetOptions(f, found.counts[f], state[f], found.more); });
    var words = found.total === 1 ? "1 cable" : (found.more ? "More than " + found.cap.toLocaleString("en") + " cables" : found.total.toLocaleString("en") + " cables");
    var text = found.total === 0 ? "No cable matches." : words + (found.more ? " match; the newest " + found.cap.toLocaleString("en") + " are listed, and counted in the facets." : " match.");
    if (!state.q && !state.tag && !state.origin && !state.classification && !state.from && !state.to) text = "The newest cables. Type words to search.";
    status.textContent = text + (found.note ? " " + found.note : "");
    found.rows.forEach(function (row) { list.appendChild(result(row, found.parts || [])); });
    pages(state, Math.min(found.total, found.cap || CAP));
  }

  function facetOptions(facet, counts, chosen, more) {
    var select = form.elements[facet];
    var first = select.options[0].cloneNode(true);
    select.textContent = "";
    select.appendChild(first);
    var values = Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a] || (a < b ? -1 : 1); });
    if (chosen && values.indexOf(chosen) < 0) values.unshift(chosen);
    values.slice(0, 300).forEach(function (value) {
      var option = document.createElement("option");
      option.value = value;
      option.textContent = value + " (" + (more ? "≥ " : "") + (counts[value] || 0).toLocaleString("en") + ")";
      select.appendChild(option);
    });
    select.value = chosen;
  }

  function result(row, parts) {
    var item = document.createElement("li");
    item.className = "search-result";
    var heading = document.createElement("h2");
    var link = document.createElement("a");
    link.href = new URL(row.url, home).href;
    link.textContent = row.title;
    heading.appendChild(link);
    item.appendChild(heading);
    var meta = document.createElement("p");
    meta.className = "search-meta";
    var id = document.createElement("span");
    id.className = "cable-id";
    id.textContent = row.id;
    meta.appendChild(id);
    meta.appendChild(document.createTextNode(" · " + (row.created ? row.created.slice(0, 10) : "undated") + " · " + row.origin + " "));
    var badge = document.createElement("span");
    badge.className = "badge level-" + level(row.classification);
    badge.textContent = row.classification;
    meta.appendChild(badge);
    item.appendChild(meta);
    var snippet = document.createElement("p");
    snippet.className = "search-snippet";
    marked(snippet, row.summary || row.subject || "", parts);
    item.appendChild(snippet);
    return item;
  }

  // As generator/render/text.py's marking_level: the badge's colour (its text says it too).
  function level(marking) {
    var upper = (marking || "").toUpperCase();
    var head = upper.replace(/ /g, "").split("//")[0];
    if (!head) return "none";
    if (/^(TS|TOPSECRET)/.test(head)) return "topsecret";
    if (/^S/.test(head) && !/^SBU/.test(head)) return "secret";
    if (/^C/.test(head)) return "confidential";
    if (/^(SBU|LOU|FOUO)/.test(head) || upper.indexOf("OFFICIAL") >= 0) return "sensitive";
    if (/^U/.test(head)) return "unclassified";
    return "none";
  }

  // The snippet: a window of the summary around the first word found, each
  // found word in a <mark>; only text nodes, so nothing in it is markup.
  function marked(into, text, parts) {
    // The words searched for (a prefix: the words it was spelt as), compared
    // as the index's tokenizer compares them: lower case, without accents.
    var wanted = {};
    parts.forEach(function (p) {
      if (p.negative) return;
      var stem = p.words ? p.tokens.length - 1 : -1;
      p.tokens.forEach(function (t, i) { if (i !== stem) wanted[plain(t)] = true; });
      if (p.words) p.words.forEach(function (w) { wanted[w] = true; });
    });
    var pieces = text.split(/([\p{L}\p{N}]+)/u);
    function hit(piece) {
      return Object.prototype.hasOwnProperty.call(wanted, plain(piece));
    }
    var first = 0;
    for (var i = 1; i < pieces.length; i += 2) if (hit(pieces[i])) { first = i; break; }
    var start = Math.max(0, first - 2 * Math.floor(SNIPPET_WORDS / 3));
    var end = Math.min(pieces.length, start + 2 * SNIPPET_WORDS);
    if (start > 0) into.appendChild(document.createTextNode("… "));
    for (var j = start; j < end; j++) {
      if (j % 2 === 1 && hit(pieces[j])) {
        var mark = document.createElement("mark");
        mark.textContent = pieces[j];
        into.appendChild(mark);
      } else {
        into.appendChild(document.createTextNode(pieces[j]));
      }
    }
    if (end < pieces.length) into.appendChild(document.createTextNode(" …"));
  }

  function plain(word) {
    return word.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  }

  function pages(state, total) {
    var last = Math.ceil(total / PER_PAGE);
    if (last <= 1) return;
    var first = Math.max(1, state.page - 4);
    var stop = Math.min(last, first + 9);
    for (var p = first; p <= stop; p++) {
      var page = Object.assign({}, state, { page: p });
      var link = document.createElement("a");
      link.href = urlOf(page);
      link.textContent = String(p);
      if (p === state.page) link.setAttribute("aria-current", "page");
      link.addEventListener("click", follow(page));
      pager.appendChild(link);
    }
  }

  function follow(state) {
    return function (event) {
      event.preventDefault();
      go(state);
      window.scrollTo(0, 0);
    };
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    go(stateOfForm());
  });
  ["tag", "origin", "classification", "sort"].forEach(function (name) {
    form.elements[name].addEventListener("change", function () { go(stateOfForm()); });
  });
  window.addEventListener("popstate", function () { run(readState()); });
  // For measurements (bench/search_bench.py): what the worker fetched of the database.
  window.cablesiteSearchStats = function () {
    return database().then(function (w) { return w.worker.getStats(); });
  };
  run(readState());
})();
