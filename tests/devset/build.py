"""Build tests/devset/gold.jsonl from the marked-up articles below.

Run `python tests/devset/build.py` from the project folder; it rewrites
gold.jsonl and prints the construction counts for the README. The markup
(see README.md) is `{text}<tags>`; spans nest. Every span's offsets are
computed from the marked-up text, and every span's text is checked against the
article text before anything is written.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
GOLD = HERE / "gold.jsonl"
ENTITY_LABELS = ("PERSON", "ORG", "GPE")

# ---------------------------------------------------------------- articles
# (id, article date, marked-up text). Paragraphs are separated by blank lines.

ARTICLES: list[tuple[str, str, str]] = [
    ("dev01_doha_talks", "2025-10-23", """\
{DOHA}<GPE> — {Turkish intelligence chief {Ibrahim Kalin}<PERSON m1:p> and foreign minister \
{Hakan Fidan}<PERSON m1:p> {met}<m1:t=e1/2025-10-21> {{Hamas}<ORG> officials}<m1:p> in \
{Doha}<GPE m1:l> {late Tuesday}<m1:w>}<q1:i>, {a Turkish official}<q1:sr q2:r q3:r> \
{said}<q1:v>.

“{The two sides reviewed the ceasefire and the exchange of prisoners}<q2:d>,” \
{the official}<q2:s q3:s> {told}<q2:v> reporters, {adding}<q3:v> that {Ankara}<GPE> “{would keep \
pressing for aid to reach {Gaza}<GPE>}<q3:d>”.

The {meeting}<m2:t=e1/-> came a day before President {Recep Tayyip Erdogan}<PERSON m3:p> \
flew to {Doha}<GPE> for {talks}<m3:t=e2/2025-10-22> with {the emir}<m3:p> on \
{Wednesday}<m3:w>."""),
    ("dev02_port_strike", "2025-09-12", """\
{ROTTERDAM}<GPE> — {Dock workers at the port of {Rotterdam}<GPE> will stay off the job until \
employers {meet}<X> their pay demands}<q1:i>, {the {FNV}<ORG> union}<q1:sr> {said}<q1:v> on \
Friday.

"{We have waited two years for a fair offer. We will not wait another month}<q2:d>," \
{said}<q2:v> {Niels Bakker}<PERSON q2:sr>, who leads the union's port section.

The employers' group {Deltalinqs}<ORG q3:sr q4:sr> {insisted}<q3:v> that {the offer on the \
table was generous}<q3:i> and {warned}<q4:v> {of losses running into millions of euros a \
day}<q4:i>.

{{The two sides}<m1:p> will {meet}<m1:t=e1/2025-09-15> at the labour ministry in \
{The Hague}<GPE m1:l> {next Monday}<m1:w>}<q5:i>, {a mediator}<q5:sr> {said}<q5:v>."""),
    ("dev03_eu_canada", "2025-03-18", """\
{BRUSSELS}<GPE> — {{European Commission}<ORG> President {Anna Lindqvist}<PERSON q1:r>}<m1:p> \
{hosted}<m1:t=e1/2025-03-17> {Canadian Prime Minister {Mark Dubois}<PERSON q2:r>}<m1:p> in \
{Brussels}<GPE m1:l> on {Monday}<m1:w>, seeking a common line on steel tariffs.

“{Europe and {Canada}<GPE> are not waiting for anyone,” {she}<q1:s> {said}<q1:v>, “we \
are building our own supply chains.}<q1:d>”

{Dubois}<PERSON q2:s> {told}<q2:v> reporters after the {talks}<m2:t=e1/-> that {Ottawa}<GPE> \
would match any European investment “{dollar for dollar}<q2:d>”.

The next {EU}<ORG m3:p>-{Canada}<GPE m3:p> {summit}<m3:t=e2/-> is due in \
{Ottawa}<GPE m3:l> in {June}<m3:w>."""),
    ("dev04_chip_results", "2025-07-09", """\
{SEOUL}<GPE> — {{Hanul Semiconductor}<ORG q1:r> expects second-quarter profit to double as \
demand for memory chips used in artificial intelligence servers keeps rising}<q1:i>, \
{the company}<q1:s> {said}<q1:v> on Wednesday.

Chief executive {Park Ji-won}<PERSON q2:sr q3:r> {told}<q2:v> analysts that {the company was \
struggling to {meet}<X> demand}<q2:i> and would add a production line next year.

“{Customers are asking for more than we can make,” {he}<q3:s> {said}<q3:v>. “That is a good \
problem to have, but it is still a problem.}<q3:d>”

{According to}<q4:v> {{Korea Investment}<ORG>}<q4:sr>, {the shares have risen 40 percent this \
year}<q4:i>."""),
    ("dev05_cup_final", "2025-05-25", """\
{LONDON}<GPE> — {Harford United}<ORG> manager {Marcus Hale}<PERSON q1:sr q2:r> \
{insisted}<q1:v> on Sunday that {his side had deserved the cup}<q1:i> despite needing penalties \
to beat {Northgate}<ORG>.

‘{We were the better team for ninety minutes,’ {Hale}<PERSON q2:s> {said}<q2:v>. ‘Nobody in \
that dressing room is apologising for anything.}<q2:d>’

{The {Northgate}<ORG> captain}<q3:s q4:s>, {Tom Reyes}<PERSON q3:r q4:r>, {denied}<q3:v> that \
{his players had been tired}<q3:i> and {said}<q4:v> {the referee had missed a clear \
handball}<q4:i>.

Fans {met}<X> the team bus outside the stadium long after midnight."""),
    ("dev06_defence_fund", "2025-11-05", """\
{PARIS}<GPE> — The finance ministers of {France}<GPE> and {Germany}<GPE>, \
{Claire Morel}<PERSON m1:p q1:r> and {Jonas Weber}<PERSON m1:p>, {met}<m1:t=e1/2025-11-04> in \
{Berlin}<GPE m1:l> on {Tuesday}<m1:w> to rescue a stalled plan for a joint defence fund.

«{We have found the money; now we need the political will}<q1:d>», {Morel}<PERSON q1:s> \
{said}<q1:v> after the {meeting}<m2:t=e1/->.

{Weber}<PERSON q2:sr> {added}<q2:v> that {{Berlin}<GPE> would present draft legislation before \
the end of the year}<q2:i>. {According to}<q3:v> {a finance ministry document}<q3:sr> seen by \
reporters, {the fund would total 50 billion euros over five years}<q3:i>.

{The two ministers}<m3:p>’ next {meeting}<m3:t=e2/2025-12-12> is set for \
{Dec. 12}<m3:w> in {Paris}<GPE m3:l>."""),
    ("dev07_fed_rates", "2025-02-14", """\
{WASHINGTON}<GPE> — The {Federal Reserve}<ORG>'s vice chair, {Laura Chen}<PERSON q1:sr q2:r q3:r>, \
{warned}<q1:v> on Friday that {inflation could prove stickier than markets expect}<q1:i>.

"{We have made real progress on prices, and I am grateful for the patience of American \
households}<q2:d>," {Chen}<PERSON q2:s> {told}<q2:v> a conference in {New York}<GPE>.

"{But the last mile is always the hardest," {she}<q3:s> {added}<q3:v>. "Wages are still rising \
faster than productivity.

"Until that changes, we will keep rates where they are.}<q3:d>"

{The {Fed}<ORG>}<m1:p>'s next policy {meeting}<m1:t=e1/2025-03-19> is on \
{March 19}<m1:w>."""),
    ("dev08_east_africa_rail", "2025-06-30", """\
{NAIROBI}<GPE> — {{Talks}<m1:t=e1/2025-06-28> between {Kenya}<GPE m1:p> and {Uganda}<GPE m1:p> \
on a stalled railway project ended without agreement in {Kampala}<GPE m1:l> on \
{Saturday}<m1:w>}<q1:i>, {the Kenyan foreign ministry}<q1:sr> {said}<q1:v>.

{Their leaders}<m2:p> are due to {meet}<m2:t=e2/-> at an {East African Community}<ORG> \
{summit}<m3:t=e2/-> in {Arusha}<GPE m2:l m3:l> {next month}<m2:w m3:w>.

“{There is still a deal to be made}<q2:d>,” {a Ugandan negotiator}<q2:sr> {told}<q2:v> \
{Reuters}<ORG>, speaking on condition of anonymity.

{Ugandan officials}<q3:sr> {denied}<q3:v> that {the {talks}<m4:t=e1/-> had collapsed}<q3:i>."""),
    ("dev09_carmaker_delay", "2025-04-25", """\
{BERLIN}<GPE> — {{Volkswerk}<ORG> will not {meet}<X> the 2027 deadline for its new electric \
platform}<q1:i>, chief executive {Sabine Krause}<PERSON q1:sr q2:r> {said}<q1:v> on Friday, \
blaming software delays.

"{We underestimated the software. That is on us}<q2:d>," {she}<q2:s> {said}<q2:v>.

"{No more delays.}<q3:d>" The message, projected onto the company's headquarters overnight, was \
claimed by no group.

{Krause}<PERSON m1:p m2:p> will {visit}<m1:t=e1/-> the company's plant in \
{Zwickau}<GPE m1:l> {next week}<m1:w> to {meet}<m2:t=e1/-> {workers}<m2:p>."""),
    ("dev10_uk_india_trade", "2025-08-21", """\
{LONDON}<GPE> — {Britain}<GPE>’s foreign secretary, {David Ashworth}<PERSON m1:p q1:r q2:r>, \
{held talks}<m1:t=e1/2025-08-20> with {his Indian counterpart}<m1:p> in {London}<GPE m1:l> on \
{Wednesday}<m1:w> on a long-delayed trade agreement.

{Ashworth}<PERSON q1:s> {affirmed}<q1:v> {Britain}<GPE>’s commitment ‘{to a deal that works \
for both sides}<q1:d>’ but gave no timetable.

{His office}<q2:s> {said}<q2:v> in a statement that {{the two ministers}<m2:p> would \
{meet}<m2:t=e2/-> again in {New Delhi}<GPE m2:l> {next month}<m2:w>}<q2:i>.

‘{The {talks}<m3:t=e1/-> were constructive}<q3:d>,’ {a spokesperson for the \
{Indian High Commission}<ORG q3:r>}<q3:s> {said}<q3:v>."""),
    ("dev11_geneva_nuclear", "2025-12-02", """\
{GENEVA}<GPE> — {{Iranian and European negotiators}<m1:p> {sat down}<m1:t=e1/2025-12-01> in \
{Geneva}<GPE m1:l> on {Monday}<m1:w> for the first time in a year}<q1:i>, \
{diplomats}<q1:sr> {said}<q1:v>.

«{Nothing is agreed», the head of the European delegation, {Clara Vidal}<PERSON q2:sr>, \
{said}<q2:v>, «until everything is agreed.}<q2:d>»

{Iran}<GPE>’s deputy foreign minister, {Reza Tavakoli}<PERSON q3:sr>, {told}<q3:v> state \
television that {{Tehran}<GPE> would not discuss its missile programme}<q3:i>.

{The {meeting}<m2:t=e1/2025-12-01> ended {late Monday}<m2:w> and will resume on \
Thursday}<q4:i>, {according to}<q4:v> {a Swiss foreign ministry statement}<q4:sr>."""),
    ("dev12_measles", "2025-10-23", """\
{JAKARTA}<GPE> — {The {Indonesian Health Ministry}<ORG q4:r>}<q1:sr> {said}<q1:v> on Thursday \
that {a measles outbreak in {West Java}<GPE> had infected more than 900 children since \
August}<q1:i>.

“{We are seeing children who were never vaccinated because their parents could not reach a \
clinic during the floods}<q2:d>,” {said}<q2:v> {Siti Rahma}<PERSON q2:sr q3:r>, a doctor in \
{Bandung}<GPE>.

“{Some arrive with pneumonia. Two of our patients have died this month.

“We need vaccines and we need nurses, and we need them this week}<q3:d>,” {she}<q3:s> \
{said}<q3:v>.

{The ministry}<q4:s> {insisted}<q4:v> that {vaccine stocks were sufficient}<q4:i>."""),
    ("dev13_everest_cap", "2025-09-12", """\
{KATHMANDU}<GPE> — {{Nepal}<GPE> will cap the number of climbers allowed on the \
{summit}<X> of Everest each day from next spring}<q1:i>, {tourism officials}<q1:sr> \
{said}<q1:v> on Friday.

The plan was {met}<X> with criticism from {expedition operators}<q2:r>, {who}<q2:s> \
{warned}<q2:v> that {it would push climbers into more dangerous weather windows}<q2:i>.

“{This rule will put lives at risk, not save them}<q3:d>,” {said}<q3:v> \
{Pemba Sherpa}<PERSON q3:sr>, who has climbed the mountain eleven times.

{The ministry}<q4:sr> {denied}<q4:v> that {the cap was aimed at raising fees}<q4:i>. \
{Operators}<m1:p> will {meet}<m1:t=e1/-> {tourism minister {Bina Thapa}<PERSON>}<m1:p> in \
{Kathmandu}<GPE m1:l> {next week}<m1:w> to press their case."""),
    ("dev14_consulates", "2025-03-18", """\
{WASHINGTON}<GPE> — {{Secretary of State {Daniel Brooks}<PERSON q2:r>}<m1:p>'s \
{meeting}<m1:t=e1/2025-03-17> with {Chinese Foreign Minister {Wang Li}<PERSON q3:r>}<m1:p> in \
{Washington}<GPE m1:l> on {Monday}<m1:w> produced an agreement to reopen consular \
offices}<q1:i>, {the {State Department}<ORG>}<q1:sr> {said}<q1:v>.

"{We disagree on a great deal, but we agreed today that our citizens deserve better}<q2:d>," \
{Brooks}<PERSON q2:s> {told}<q2:v> reporters after the {talks}<m2:t=e1/->.

{Wang}<PERSON q3:s> {said}<q3:v> {China}<GPE> was "{ready to take further steps}<q3:d>" if \
{Washington}<GPE> lifted visa restrictions on its journalists."""),
    ("dev15_student_march", "2025-06-30", """\
{SANTIAGO}<GPE> — Tens of thousands of students marched through {Santiago}<GPE> on Sunday to \
demand free university tuition.

"{Education is a right, not a business.}<q1:d>" The slogan, painted on banners and shouted at \
every corner, has become the movement's motto.

Education Minister {Javier Soto}<PERSON q2:sr> {said}<q2:v> {the government would present a \
funding bill in July}<q2:i>. {Soto}<PERSON m1:p> {met}<m1:t=e1/2025-06-27> \
{student leaders}<m1:p q3:r> at {the ministry}<m1:l> {late Friday}<m1:w>.

{The students}<q3:s> {said}<q3:v> the {meeting}<m2:t=e1/-> had produced \
"{nothing concrete}<q3:d>"."""),
    ("dev16_border_farmers", "2025-02-14", """\
{KYIV}<GPE> — {Ukraine}<GPE> and {Poland}<GPE> agreed on Friday to reopen a border crossing \
closed by protesting farmers, after {their prime ministers}<m1:p> {met}<m1:t=e1/-> in \
{Rzeszow}<GPE m1:l>.

Prime Minister {Olena Koval}<PERSON q1:sr q2:r> {affirmed}<q1:v> that {{Ukraine}<GPE> would \
respect Polish food-safety rules}<q1:i>.

“{Our farmers and their farmers want the same thing: to sell what they grow}<q2:d>,” \
{she}<q2:s> {told}<q2:v> a news conference.

{Polish farmers’ unions}<q3:r> were less enthusiastic. “{We have heard promises \
before}<q3:d>,” {they}<q3:s> {said}<q3:v> in a statement.

{The two leaders}<m2:p>’ next {meeting}<m2:t=e2/-> is planned for {March}<m2:w>."""),
    ("dev17_gulf_visit", "2025-07-09", """\
{ABU DHABI}<GPE> — {Egyptian President {Samir Nabil}<PERSON>}<m1:p> and \
{Jordanian Prime Minister {Hani Odeh}<PERSON>}<m1:p> {met}<m1:t=e1/2025-07-08> \
{Emirati President {Khalid al-Mansouri}<PERSON>}<m1:p> in {Abu Dhabi}<GPE m1:l> on \
{Tuesday}<m1:w>.

{The leaders discussed {Gaza}<GPE> reconstruction}<q1:i>, {{Egypt}<GPE>’s presidency}<q1:sr> \
{said}<q1:v> in {a statement}<q2:r>.

{{Al-Mansouri}<PERSON m2:p> will {host}<m2:t=e2/-> a wider {summit}<m3:t=e2/-> of \
{Arab leaders}<m2:p m3:p> in {October}<m2:w m3:w>}<q2:i>, {the statement}<q2:s> \
{added}<q2:v>.

{Nabil}<PERSON m4:p>’s {visit}<m4:t=e1/-> was his first to the Gulf since taking office, and \
{Egypt}<GPE> hopes it will unlock new investment."""),
    ("dev18_fraud_trial", "2025-04-25", """\
{CHICAGO}<GPE> — {A former executive of {Midwest Grain Co.}<ORG>}<q1:sr> {denied}<q1:v> on \
Friday that {he had falsified the company’s export records}<q1:i>, as his fraud trial opened in \
{Chicago}<GPE>.

"{I did nothing wrong," {Greg Tillman}<PERSON q2:sr> {told}<q2:v> the jury, "and I will prove \
it.}<q2:d>"

{Prosecutors}<q3:sr> {insisted}<q3:v> that {{Tillman}<PERSON> had hidden $12 million in \
losses}<q3:i>.

{Tillman}<PERSON>’s lawyer, {Rachel Ortiz}<PERSON q4:sr>, {said}<q4:v> {{her client}<m1:p> had \
{met}<m1:t=e1/-> {the company’s auditors}<m1:p> {every quarter}<m1:w>}<q4:i>. The trial is \
expected to last three weeks."""),
    ("dev19_tokyo_seoul", "2025-08-21", """\
{TOKYO}<GPE> — {Japan}<GPE>’s prime minister, {Kenji Mori}<PERSON m1:p q1:r>, \
{met}<m1:t=e1/2025-08-21> {South Korean President {Lee Soo-min}<PERSON q2:r>}<m1:p> in \
{Tokyo}<GPE m1:l> on {Thursday}<m1:w>, the first {visit}<m2:t=e1/-> by \
{a South Korean leader}<m2:p> in six years.

“{History should not stop us from working together on what matters now}<q1:d>,” \
{Mori}<PERSON q1:s> {said}<q1:v> at a joint news conference.

{Lee}<PERSON q2:s> {affirmed}<q2:v> that {the two countries would set up a hotline between \
their defence ministries}<q2:i>.

{According to}<q3:v> {Japanese officials}<q3:sr>, {the {summit}<m3:t=e1/-> also covered \
semiconductor export controls}<q3:i>."""),
    ("dev20_tariff_talks", "2025-11-05", """\
{MEXICO CITY}<GPE> — {Mexico}<GPE>’s economy minister, {Luis Herrera}<PERSON q1:sr q2:r>, \
{said}<q1:v> on Wednesday {he}<m1:p> was ready to {sit down}<m1:t=e1/-> with \
{{U.S.}<GPE> trade officials}<m1:p> "{any day, anywhere}<q1:d>" to avert new tariffs.

{Herrera}<PERSON m2:p> {met}<m2:t=e2/2025-11-03> \
{{U.S.}<GPE> Trade Representative {Karen Blake}<PERSON>}<m2:p> in {Washington}<GPE m2:l> on \
{Monday}<m2:w>, but the {talks}<m3:t=e2/-> ended without a deal.

"{We are not asking for favours. We are asking for the rules to be respected}<q2:d>," \
{he}<q2:s> {told}<q2:v> {Reuters}<ORG>.

{Blake}<PERSON>’s office declined to comment on the talks."""),
    ("dev21_bushfires", "2025-12-02", """\
{SYDNEY}<GPE> — Fire chief {Helen Marsh}<PERSON q1:sr q2:r> {told}<q1:v> reporters on Tuesday that \
{more than 40 homes had been lost near the town of {Bega}<GPE>}<q1:i>.

‘{The wind turned on us in the middle of the night,’ {Marsh}<PERSON q2:s> {said}<q2:v>. ‘We \
moved crews as fast as we could, but some places could not be saved.

‘I want to thank every volunteer who stayed on the line.}<q2:d>’

{{New South Wales}<GPE> Premier {Tom Walsh}<PERSON q3:sr>}<m1:p> \
{visited}<m1:t=e1/2025-12-01> evacuation centres in {Bega}<GPE m1:l> on {Monday}<m1:w> and \
{said}<q3:v> {the state would fund temporary housing}<q3:i>."""),
    ("dev22_airline_jobs", "2025-05-25", """\
{FRANKFURT}<GPE> — {{Rheinair}<ORG q1:r q4:r> will cut about 2,000 jobs over the next two \
years as it struggles with high fuel costs}<q1:i>, {a spokeswoman for the airline}<q1:s> \
{said}<q1:v> on Sunday.

{The {Verdi}<ORG> union}<q2:sr> {warned}<q2:v> that {it would call strikes at \
{Frankfurt}<GPE> airport if the cuts went ahead}<q2:i>.

“{These are not numbers, they are families}<q3:d>,” {said}<q3:v> {Verdi}<ORG> negotiator \
{Petra Lang}<PERSON q3:sr>.

{{Management}<m1:p> and {unions}<m1:p> will {hold talks}<m1:t=e1/2025-05-29> in \
{Frankfurt}<GPE m1:l> {next Thursday}<m1:w>}<q4:i>, {the company}<q4:s> {added}<q4:v>."""),
    ("dev23_ecowas", "2025-10-23", """\
{DAKAR}<GPE> — {Senegalese President {Aminata Sow}<PERSON q1:r>}<m1:p> and \
{Ivorian President {Koffi Yao}<PERSON q2:r>}<m1:p> {met}<m1:t=e1/2025-10-22> \
{{ECOWAS}<ORG q3:r> mediators}<m1:p> in {Dakar}<GPE m1:l> {late Wednesday}<m1:w> to discuss the \
crisis in {Guinea-Bissau}<GPE>.

«{The stability of the whole region is at stake}<q1:d>», {Sow}<PERSON q1:s> {told}<q1:v> \
reporters after the {meeting}<m2:t=e1/->.

{Yao}<PERSON q2:s> {said}<q2:v> {he had urged the army in {Bissau}<GPE> to hand power back to \
civilians}<q2:i>.

{{{ECOWAS}<ORG> leaders}<m3:p> will hold an extraordinary {summit}<m3:t=e2/2025-11-02> in \
{Abuja}<GPE m3:l> on {Nov. 2}<m3:w>}<q3:i>, {according to}<q3:v> \
{the bloc’s commission}<q3:s>."""),
    ("dev24_glaciers", "2025-02-14", """\
{OSLO}<GPE> — {Glaciers in {Norway}<GPE> lost more ice last year than in any year since \
records began}<q1:i>, {the {Norwegian Polar Institute}<ORG>}<q1:sr> {said}<q1:v> in \
{a study}<q4:r> published on Friday.

“{We are losing the ice faster than our models predicted}<q2:d>,” lead author \
{Ingrid Dahl}<PERSON q2:sr q3:sr> {said}<q2:v>, {adding}<q3:v> that {summer heat waves were the \
main cause}<q3:i>.

{According to}<q4:v> {the study}<q4:s>, {the largest glacier in the south retreated 60 metres \
in a single summer}<q4:i>.

{The government}<q5:sr> {said}<q5:v> {{Norway}<GPE> was still on track to {meet}<X> its 2030 \
emissions targets}<q5:i>."""),
    ("dev25_tennis_final", "2025-09-12", """\
{NEW YORK}<GPE> — {Elena Varga}<PERSON q1:sr q2:r> {said}<q1:v> she felt \
"{calmer than ever}<q1:d>" ahead of her first Grand Slam final on Saturday.

"{I used to think about the trophy," {she}<q2:s> {said}<q2:v>, "and now I just think about the \
next point.}<q2:d>"

Her coach, {Mario Pellegrini}<PERSON q3:sr>, {told}<q3:v> reporters that {{Varga}<PERSON> had \
been sleeping well and training lightly}<q3:i>.

{Varga}<PERSON> will face top seed {Anna Petrova}<PERSON q4:r>, {who}<q4:s> {warned}<q4:v> that \
{she would not be intimidated by the crowd}<q4:i>. The two players {met}<X> in a semifinal in \
{Paris}<GPE> in June, when {Petrova}<PERSON> won in straight sets."""),
    ("dev26_migration", "2025-06-30", """\
{ROME}<GPE> — {{Italy}<GPE>’s interior minister, {Paolo Ricci}<PERSON m1:p q1:r q2:r q3:r>, \
{met}<m1:t=e1/2025-06-29> {Libyan coast guard commanders}<m1:p> in {Tripoli}<GPE m1:l> on \
{Sunday}<m1:w> to discuss migrant departures}<q1:i>, {his office}<q1:s> {said}<q1:v>.

“{Departures have fallen by a third, and we intend to keep it that way}<q2:d>,” \
{Ricci}<PERSON q2:s> {said}<q2:v> in a statement after the {visit}<m2:t=e1/->.

Aid groups accused {Rome}<GPE> of outsourcing border control. {{Ricci}<PERSON>’s office}<q3:s> \
{denied}<q3:v> that {{Italy}<GPE> was funding detention centres in {Libya}<GPE>}<q3:i>."""),
    ("dev27_vote_count", "2025-03-18", """\
{PHOENIX}<GPE> — {Maricopa County}<GPE>’s elections director, {Rosa Delgado}<PERSON q1:r>, \
defended the county’s vote count on Tuesday after a series of lawsuits.

"{Every ballot was counted twice, by hand and by machine. We invited both parties to watch.

"Nobody who watched has found a single error}<q1:d>," {Delgado}<PERSON q1:s> {said}<q1:v>.

The {Republican Party}<ORG>'s state chairman, {Mike Shaw}<PERSON q2:sr>, {insisted}<q2:v> that \
{the lawsuits would go ahead}<q2:i>.

{{Delgado}<PERSON m1:p> {sat down}<m1:t=e1/2025-03-17> with {Shaw}<PERSON m1:p> and \
{county supervisors}<m1:p> on {Monday}<m1:w>, but the {meeting}<m2:t=e1/-> ended after twenty \
minutes}<q3:i>, {according to}<q3:v> {two people who attended}<q3:sr>."""),
    ("dev28_textile_plant", "2025-07-09", """\
{LYON}<GPE> — «{We are not leaving.}<q1:d>» The words, sprayed on the gates of the \
{Valtex}<ORG> textile plant in {Lyon}<GPE>, greeted managers arriving for work on Wednesday.

{Valtex}<ORG q2:sr> {announced}<q2:v> last month that {it would move production to \
{Morocco}<GPE>}<q2:i>. Chief executive {Hélène Garnier}<PERSON q3:sr q4:r> {denied}<q3:v> \
that {the decision was final}<q3:i>.

«{We are still talking to the region about a rescue plan}<q4:d>», {she}<q4:s> {told}<q4:v> \
the {Le Progrès}<ORG> newspaper.

{Garnier}<PERSON m1:p> is due to {meet}<m1:t=e1/-> \
{regional president {Marc Dupuis}<PERSON>}<m1:p> in {Lyon}<GPE m1:l> {next week}<m1:w>."""),
    ("dev29_caucasus_treaty", "2025-08-21", """\
{UNITED NATIONS}<ORG> — {{Talks}<m1:t=e1/2025-08-19> between {Armenia}<GPE m1:p> and \
{Azerbaijan}<GPE m1:p> at {the {United Nations}<ORG>}<m1:l> ended on {Aug. 19}<m1:w> with a \
pledge to finish a border treaty by the end of the year}<q1:i>, {according to}<q1:v> \
{a joint statement}<q1:sr>.

{U.N.}<ORG> envoy {Maria Santos}<PERSON q2:sr q3:r> {said}<q2:v> {{the two foreign \
ministers}<m2:p> had agreed to {meet}<m2:t=e2/-> again in {Vienna}<GPE m2:l> in \
{October}<m2:w>}<q2:i>.

“{This is the closest they have been to peace in thirty years}<q3:d>,” {she}<q3:s> \
{said}<q3:v>."""),
    ("dev30_gas_winter", "2025-11-05", """\
{HOUSTON}<GPE> — {Natural gas producers will struggle to {meet}<X> winter demand if pipeline \
repairs in {West Texas}<GPE> run late}<q1:i>, the \
{Energy Information Administration}<ORG q1:sr> {warned}<q1:v> on Wednesday.

{Gulf Energy}<ORG q3:r>’s chief executive, {Tom Barrett}<PERSON q2:sr>, {talked up}<X> the \
company’s new terminal, {saying}<q2:v> it would "{change the map}<q2:d>" of {U.S.}<GPE> \
exports.

{{Barrett}<PERSON m1:p> {hosted}<m1:t=e1/2025-11-04> {Japanese buyers}<m1:p> at the terminal \
in {Corpus Christi}<GPE m1:l> on {Tuesday}<m1:w>}<q3:i>, {a company spokesman}<q3:s> \
{said}<q3:v>."""),
    ("dev31_garment_wages", "2025-04-25", """\
{DHAKA}<GPE> — Garment workers blocked a highway outside {Dhaka}<GPE> on Friday to demand \
unpaid wages.

“{We have not been paid since February.}<q1:d>” Handwritten signs with those words lined the \
road for miles.

Union leader {Nazma Akter}<PERSON q2:sr> {said}<q2:v> that {factory owners owed workers more \
than $3 million}<q2:i>. {Owners}<m1:p> and {union representatives}<m1:p> \
{held talks}<m1:t=e1/2025-04-24> at {the labour ministry}<m1:l> on {Thursday}<m1:w>, but they \
failed to agree.

“{We will pay when the buyers pay us,” {the owners’ association}<q3:sr> {said}<q3:v> in a \
statement, “and not before.}<q3:d>”"""),
    ("dev32_berlin_beijing", "2025-12-02", """\
{BEIJING}<GPE> — German Chancellor {Eva Hartmann}<PERSON m1:p q1:r q2:r> arrived in \
{Beijing}<GPE m1:l> on {Tuesday}<m1:w> for a three-day {visit}<m1:t=e1/2025-12-02>, her first \
since taking office. {She}<m2:p> will {meet}<m2:t=e1/-> Premier {Li Wen}<PERSON m2:p>, \
{business leaders}<m2:p> and students during the {visit}<m3:t=e1/->.

“{{Germany}<GPE> wants fair competition, not a trade war}<q1:d>,” {she}<q1:s q2:s> \
{told}<q1:v> reporters on the plane, {adding}<q2:v> that {she would raise the treatment of \
European carmakers}<q2:i>.

{{China}<GPE>’s foreign ministry}<q3:sr> {said}<q3:v> the {talks}<m4:t=e1/-> would \
"{deepen mutual trust}<q3:d>"."""),
]


# ------------------------------------------------------------------- markup

_TAG = re.compile(r"<([^<>]*)>")


class MarkupError(ValueError):
    pass


def parse(marked: str) -> tuple[str, list[tuple[int, int, list[str]]]]:
    """The plain text of `marked` and its spans `(start, end, tags)`."""
    out: list[str] = []
    length = 0
    stack: list[int] = []
    spans: list[tuple[int, int, list[str]]] = []
    i = 0
    while i < len(marked):
        char = marked[i]
        if char == "{":
            stack.append(length)
            i += 1
        elif char == "}":
            match = _TAG.match(marked, i + 1)
            if match is None or not stack:
                raise MarkupError(f"bad close at {marked[max(0, i - 30):i + 10]!r}")
            spans.append((stack.pop(), length, match[1].split()))
            i = match.end()
        elif char in "<>":
            raise MarkupError(f"stray {char!r} at {marked[max(0, i - 30):i + 10]!r}")
        else:
            out.append(char)
            length += 1
            i += 1
    if stack:
        raise MarkupError("unclosed {")
    return "".join(out), spans


def _span(text: str, start: int, end: int) -> dict[str, Any]:
    return {"start": start, "end": end, "text": text[start:end]}


def build_row(article_id: str, day: str, marked: str) -> dict[str, Any]:
    try:
        text, spans = parse(marked)
    except MarkupError as error:
        raise MarkupError(f"{article_id}: {error}") from None
    entities: list[dict[str, Any]] = []
    quotes: dict[str, dict[str, Any]] = {}
    meetings: dict[str, dict[str, Any]] = {}
    distractors: list[dict[str, Any]] = []
    for start, end, tags in spans:
        for tag in tags:
            if tag in ENTITY_LABELS:
                entities.append({**_span(text, start, end), "label": tag, "status": "accepted"})
            elif tag == "X":
                distractors.append(_span(text, start, end))
            elif tag[0] == "q":
                name, role = tag.split(":")
                quote = quotes.setdefault(name, {"content": None, "speaker": None, "cue": None,
                                                 "speaker_ref": None, "kind": None,
                                                 "status": "accepted"})
                if role in ("d", "i"):
                    quote["content"] = _span(text, start, end)
                    quote["kind"] = "direct" if role == "d" else "indirect"
                for letter, key in (("s", "speaker"), ("v", "cue"), ("r", "speaker_ref")):
                    if letter in role and role not in ("d", "i"):
                        if quote[key] is not None:
                            raise MarkupError(f"{article_id}: {name} has two {key}s")
                        quote[key] = _span(text, start, end)
            elif tag[0] == "m":
                name, role = tag.split(":", 1)
                meeting = meetings.setdefault(name, {"trigger": None, "participants": [],
                                                     "place": None, "time": None, "date": None,
                                                     "event": None, "status": "accepted"})
                if role.startswith("t="):
                    event, resolved = role[2:].split("/")
                    meeting["trigger"] = _span(text, start, end)
                    meeting["event"] = event
                    meeting["date"] = None if resolved == "-" else resolved
                elif role == "p":
                    meeting["participants"].append(_span(text, start, end))
                elif role in ("l", "w"):
                    meeting["place" if role == "l" else "time"] = _span(text, start, end)
                else:
                    raise MarkupError(f"{article_id}: unknown meeting role {tag!r}")
            else:
                raise MarkupError(f"{article_id}: unknown tag {tag!r}")
    for name, quote in quotes.items():
        if quote["content"] is None:
            raise MarkupError(f"{article_id}: {name} has no content")
        if (quote["speaker"] is None) != (quote["speaker_ref"] is None):
            raise MarkupError(f"{article_id}: {name} needs both speaker and speaker_ref or neither")
    for name, meeting in meetings.items():
        if meeting["trigger"] is None:
            raise MarkupError(f"{article_id}: {name} has no trigger")
        meeting["participants"].sort(key=lambda s: (s["start"], s["end"]))
        check_date(article_id, name, day, meeting)
    dateline = text.split(" — ", 1)[0] if " — " in text[:40] else None
    meta: dict[str, Any] = {"date": day, "source": "tests/devset/build.py"}
    if dateline:
        meta["dateline"] = dateline
    row = {
        "id": article_id, "text": text, "meta": meta,
        "entities": sorted(entities, key=lambda e: (e["start"], e["end"], e["label"])),
        "quotes": sorted(quotes.values(), key=lambda q: q["content"]["start"]),
        "meetings": sorted(meetings.values(), key=lambda m: m["trigger"]["start"]),
        "distractors": distractors,
    }
    check_row(row)
    return row


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")


def check_date(article_id: str, name: str, day: str, meeting: dict[str, Any]) -> None:
    """The hand-resolved date agrees with the time text (weekday or month and day)."""
    resolved = meeting["date"]
    time = meeting["time"]
    if resolved is None:
        return
    if time is None:
        raise MarkupError(f"{article_id}: {name} has a date but no time")
    words = re.findall(r"[a-z]+|\d+", time["text"].lower())
    value = date.fromisoformat(resolved)
    today = date.fromisoformat(day)
    for n, weekday in enumerate(_WEEKDAYS):
        if weekday in words:
            if "next" in words or "will" in words:
                ok = value.weekday() == n and today < value <= today + timedelta(days=7)
            else:
                ok = value == today - timedelta(days=(today.weekday() - n) % 7)
            if not ok:
                raise MarkupError(f"{article_id}: {name}: {time['text']!r} is not {resolved}")
            return
    for n, month in enumerate(_MONTHS, start=1):
        if any(month.startswith(word) and len(word) >= 3 for word in words):
            numbers = [int(w) for w in words if w.isdigit() and int(w) <= 31]
            if value.month != n or not numbers or value.day != numbers[0]:
                raise MarkupError(f"{article_id}: {name}: {time['text']!r} is not {resolved}")
            return
    if "yesterday" in words and value != today - timedelta(days=1):
        raise MarkupError(f"{article_id}: {name}: {time['text']!r} is not {resolved}")


def check_row(row: dict[str, Any]) -> None:
    """Every span's text is the article text at its offsets; the length is 60-180 words."""
    text = row["text"]

    def check(span: dict[str, Any] | None) -> None:
        if span is None:
            return
        assert text[span["start"]:span["end"]] == span["text"], (row["id"], span)
        assert span["text"] == span["text"].strip() and span["text"], (row["id"], span)

    for entity in row["entities"]:
        check(entity)
    for quote in row["quotes"]:
        for key in ("content", "speaker", "cue", "speaker_ref"):
            check(quote[key])
    for meeting in row["meetings"]:
        for key in ("trigger", "place", "time"):
            check(meeting[key])
        for participant in meeting["participants"]:
            check(participant)
    for span in row["distractors"]:
        check(span)
    words = len(text.split())
    assert 60 <= words <= 180, (row["id"], words)


# ----------------------------------------------------------- constructions

OPENING_MARKS = {'"': "straight marks", "“": "typographic “ ”", "‘": "typographic ‘ ’", "«": "« »"}
PRONOUNS = {"he", "she", "they", "it", "we"}
#: Every construction the README counts, in the README's order.
CONSTRUCTIONS = (
    "articles",
    "direct quote, straight marks",
    "direct quote, typographic “ ”",
    "direct quote, typographic ‘ ’",
    "direct quote, « »",
    "direct quote interrupted by its attribution",
    "direct quote over several paragraphs",
    "partial quote inside a sentence",
    "indirect quote",
    "indirect cue: say/said",
    "indirect cue: told",
    "indirect cue: added",
    "indirect cue: affirmed",
    "indirect cue: warned",
    "indirect cue: denied",
    "indirect cue: insisted",
    "indirect cue: according to",
    "indirect cue: other verbs",
    "speaker is a pronoun",
    "speaker is a description",
    "speaker is an organisation or its spokesperson",
    "speaker is a possessive (his office ...)",
    "speaker resolves to an earlier mention",
    "unattributed quote",
    "meeting mention",
    "meeting trigger, verb",
    "meeting trigger, noun",
    "meeting with 3+ participants (coordination)",
    "talks between X and Y",
    "X's meeting with Y",
    "plural possessive participant (their leaders)",
    "meeting with a place",
    "meeting with a time",
    "time is a bare weekday",
    "time is late/early + weekday",
    "time is a month and day",
    "event mentioned more than once",
    "non-meeting distractor",
)
VERB_TRIGGERS = {"met", "meet", "meets", "meeting with", "visited", "visit", "hosted", "hosts",
                 "host", "held talks", "hold talks", "sat down", "sit down", "will meet",
                 "conferred", "received"}


def constructions(row: dict[str, Any]) -> Counter[str]:
    """How often each construction of CONSTRUCTIONS occurs in one gold row."""
    text = row["text"]
    found: Counter[str] = Counter({"articles": 1})
    for quote in row["quotes"]:
        content = quote["content"]
        speaker, ref, cue = quote["speaker"], quote["speaker_ref"], quote["cue"]
        if quote["kind"] == "direct":
            mark = text[content["start"] - 1]
            found[f"direct quote, {OPENING_MARKS[mark]}" if mark in OPENING_MARKS
                  else "direct quote, ?"] += 1
            if speaker is not None and content["start"] < speaker["start"] < content["end"]:
                found["direct quote interrupted by its attribution"] += 1
            if "\n" in content["text"]:
                found["direct quote over several paragraphs"] += 1
            before = text[:content["start"] - 1].rsplit("\n", 1)[-1]
            if before and before[-1] == " " and before[-2:-1].isalpha():
                found["partial quote inside a sentence"] += 1
        else:
            found["indirect quote"] += 1
            verb = cue["text"].lower() if cue else ""
            key = {"say": "say/said", "said": "say/said", "says": "say/said"}.get(verb, verb)
            name = f"indirect cue: {key}"
            found[name if name in CONSTRUCTIONS else "indirect cue: other verbs"] += 1
        if speaker is None:
            found["unattributed quote"] += 1
            continue
        first = speaker["text"].split()[0].lower()
        if speaker["text"].lower() in PRONOUNS:
            found["speaker is a pronoun"] += 1
        elif first in ("his", "her", "their", "its"):
            found["speaker is a possessive (his office ...)"] += 1
        elif any(e["label"] == "ORG" and speaker["start"] <= e["start"] < speaker["end"]
                 for e in row["entities"]):
            found["speaker is an organisation or its spokesperson"] += 1
        elif first in ("the", "a", "an"):
            found["speaker is a description"] += 1
        if ref["start"] < speaker["start"]:
            found["speaker resolves to an earlier mention"] += 1
    events: Counter[str] = Counter()
    for meeting in row["meetings"]:
        found["meeting mention"] += 1
        trigger = meeting["trigger"]["text"].lower()
        found["meeting trigger, verb" if trigger in VERB_TRIGGERS
              else "meeting trigger, noun"] += 1
        participants = meeting["participants"]
        if len(participants) >= 3:
            found["meeting with 3+ participants (coordination)"] += 1
        after = text[meeting["trigger"]["end"]:meeting["trigger"]["end"] + 9]
        if after.startswith(" between"):
            found["talks between X and Y"] += 1
        start = meeting["trigger"]["start"]
        if any(text[p["end"]:start] in ("’s ", "'s ") for p in participants):
            found["X's meeting with Y"] += 1
        if any(p["text"].lower().startswith("their ") for p in participants):
            found["plural possessive participant (their leaders)"] += 1
        if meeting["place"] is not None:
            found["meeting with a place"] += 1
        if meeting["time"] is not None:
            found["meeting with a time"] += 1
            words = meeting["time"]["text"].lower().split()
            if words[0] in ("late", "early") and words[-1] in _WEEKDAYS:
                found["time is late/early + weekday"] += 1
            elif any(w.strip(".,") in _WEEKDAYS for w in words) and "next" not in words:
                found["time is a bare weekday"] += 1
            if any(w.strip(".,")[:3] in {m[:3] for m in _MONTHS} for w in words) and any(
                    w.strip(".,").isdigit() for w in words):
                found["time is a month and day"] += 1
        events[meeting["event"]] += 1
    found["event mentioned more than once"] += sum(1 for n in events.values() if n > 1)
    found["non-meeting distractor"] += len(row["distractors"])
    return found


def count_constructions(rows: list[dict[str, Any]]) -> Counter[str]:
    total: Counter[str] = Counter()
    for row in rows:
        total.update(constructions(row))
    return total


def build() -> list[dict[str, Any]]:
    ids = [a[0] for a in ARTICLES]
    assert len(ids) == len(set(ids)), "duplicate article ids"
    return [build_row(*article) for article in ARTICLES]


def main() -> int:
    rows = build()
    with GOLD.open("w", encoding="utf-8", newline="\n") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    counts = count_constructions(rows)
    print("| construction | count |")
    print("|---|---|")
    for name in CONSTRUCTIONS:
        print(f"| {name} | {counts[name]} |")
    unknown = sorted(set(counts) - set(CONSTRUCTIONS))
    if unknown:
        print(f"unexpected constructions: {unknown}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
