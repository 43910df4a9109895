package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/kontorhq/kontor/modules/platform/record"
	"github.com/kontorhq/kontor/modules/search"
)

// Word lists for generated chat messages. Words are drawn with a Zipf
// distribution, so the first words of each list are common and the last
// ones rare, as in real text; German nouns come in several forms.
var (
	germanWords = strings.Fields(`der die das und ist nicht wir ich du es mit auf für den dem zu im bitte morgen heute noch schon
		dann aber auch mal kurz gerade gleich danke super ok Termin Termine Besprechung Besprechungen Projekt Projekte Kunde Kunden
		Angebot Angebote Rechnung Rechnungen Vertrag Verträge Bericht Berichte Haus Häuser Straße Straßen Büro Büros Team Teams
		Server Datenbank Fehler Lösung Planung Budget Quartal Präsentation Entwurf Freigabe Urlaub Woche Montag Dienstag Mittwoch
		Donnerstag Freitag Liste Ordner Datei Dateien Zugang Passwort Drucker Netzwerk Wartung Schulung Umsatz Prüfung Lieferung
		Bestellung Anfrage Antwort Protokoll Konzept Abteilung Mitarbeiter Kollegen Kollegin Projektbesprechung Kundentermin
		Rechnungsnummer Quartalsbericht Wartungsfenster Serverraum Teambesprechung Jahresabschluss Lieferschein Reisekosten
		Abrechnung Zeiterfassung Personalabteilung Geschäftsführung Betriebsrat Qualitätssicherung Entwicklungsumgebung
		verschoben erledigt geprüft gesendet aktualisiert besprochen freigegeben abgelehnt wichtig dringend fertig neu alt
		müssen können sollen haben sein werden machen schicken prüfen anrufen klären besprechen planen liefern bezahlen
		Grüße Frage Fragen Problem Probleme Ergebnis Ergebnisse Ziel Ziele Stand Zahlen Übersicht Änderung Änderungen Größe Maßnahme`)
	englishWords = strings.Fields(`the a to and is of in for on it we you this that with be can will please thanks ok just
		meeting meetings project projects customer customers report reports invoice invoices contract contracts server servers
		database bug bugs fix fixes release releases deploy deployment build builds test tests review reviews budget quarter
		presentation draft approval holiday week Monday Tuesday Wednesday Thursday Friday list folder file files access password
		printer network maintenance training revenue audit delivery order request answer notes concept department colleague
		computer computers running moved updated sent checked discussed approved rejected important urgent done new old
		schedule scheduled roadmap sprint backlog ticket tickets issue issues incident incidents outage latency dashboard metrics
		onboarding offboarding migration migrations rollout rollback feature features feedback design designs mockup prototype
		spreadsheet forecast pipeline stakeholder stakeholders milestone milestones deadline deadlines estimate estimates`)
	chineseWords = strings.Fields(`我们 你 他 是 的 了 在 有 和 这个 一下 今天 明天 请 谢谢 好的 会议 会议室 项目 计划 客户 报告
		合同 发票 服务器 数据库 问题 解决 方案 预算 季度 演示 草稿 审批 假期 周一 周二 周三 周四 周五 文件 文件夹 权限 密码
		打印机 网络 维护 培训 收入 审计 交付 订单 请求 回复 记录 概念 部门 同事 电脑 更新 发送 检查 讨论 批准 拒绝 重要 紧急
		完成 新 旧 进度 安排 版本 发布 测试 需求 设计 反馈 里程碑 截止日期 估算 数据 分析 系统 平台 用户 管理 流程 质量 成本 风险`)
)

// zipf draws an index in [0, n) with probability falling as 1/(i+1)^s.
type zipf struct {
	cdf []float64
}

func newZipf(n int, s float64) *zipf {
	z := &zipf{cdf: make([]float64, n)}
	sum := 0.0
	for i := 0; i < n; i++ {
		sum += 1 / math.Pow(float64(i+1), s)
		z.cdf[i] = sum
	}
	for i := range z.cdf {
		z.cdf[i] /= sum
	}
	return z
}

func (z *zipf) draw(r *rand.Rand) int {
	x := r.Float64()
	lo, hi := 0, len(z.cdf)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if z.cdf[mid] < x {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

var (
	zDE = newZipf(len(germanWords), 1.0)
	zEN = newZipf(len(englishWords), 1.0)
	zZH = newZipf(len(chineseWords), 1.0)
)

// corpus generates message n of a deterministic stream: the same n always
// gives the same message, so the Source needs no memory.
type corpus struct {
	seed     uint64
	channels int
	users    int
	start    time.Time
	step     time.Duration
}

func (c *corpus) rng(n int64) *rand.Rand { return rand.New(rand.NewPCG(c.seed, uint64(n))) }

// length draws a message length in words: most chat messages are short,
// a few are long (a log-normal around 9 words, capped at 120).
func length(r *rand.Rand) int {
	n := int(math.Exp(r.NormFloat64()*0.8 + 2.2))
	return min(max(n, 1), 120)
}

func words(r *rand.Rand, list []string, z *zipf, n int, sep string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(list[z.draw(r)])
	}
	return b.String()
}

// text returns a message in German (45%), English (35%), Chinese (15%) or
// a mix of the three (5%).
func text(r *rand.Rand) string {
	n := length(r)
	switch p := r.IntN(100); {
	case p < 45:
		return words(r, germanWords, zDE, n, " ")
	case p < 80:
		return words(r, englishWords, zEN, n, " ")
	case p < 95:
		return words(r, chineseWords, zZH, n, "") + "。"
	default:
		return words(r, germanWords, zDE, n/2+1, " ") + " " + words(r, chineseWords, zZH, n/3+1, "") + " " + words(r, englishWords, zEN, n/3+1, " ")
	}
}

func (c *corpus) channelID(i int) string { return fmt.Sprintf("ch%05d", i) }
func (c *corpus) userID(i int) string    { return fmt.Sprintf("u%05d", i) }

// change returns the journal entry with sequence number seq.
func (c *corpus) change(seq int64) search.Change {
	r := c.rng(seq)
	ch := r.IntN(c.channels)
	author := r.IntN(c.users)
	t := text(r)
	if r.IntN(50) == 0 {
		t += " https://wiki.example.com/page/" + fmt.Sprint(seq)
	}
	chg := search.Change{
		Seq: seq, Kind: record.MessageCreated, ChannelID: c.channelID(ch), SubjectID: fmt.Sprintf("m%09d", seq),
		Text: t, AuthorID: c.userID(author), AuthorUsername: fmt.Sprintf("user-%d", author),
		ChannelName: fmt.Sprintf("chan-%d", ch), At: c.start.Add(time.Duration(seq) * c.step),
	}
	if seq > 10 && r.IntN(5) == 0 {
		chg.RootID = fmt.Sprintf("m%09d", seq-1-int64(r.IntN(10)))
	}
	return chg
}
