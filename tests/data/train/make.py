#!/usr/bin/env python3
"""Writes the training batch t1 (tests/data/train): messages written for the
learned layer by the helper who built it, from the label scheme only (not
from any held-out batch). Run once; the .eml files and labels.jsonl are the
data, this script is how they were produced."""
import json, os
from email.header import Header
from email.utils import formataddr

HERE = os.path.dirname(os.path.abspath(__file__))
M = []
def m(kind, flags, frm, subject, body, note="", charset="utf-8"):
    M.append((kind, flags, frm, subject, body, note, charset))

# --- complaints, understated and plain, several languages -------------------
m("complaint", [], "Gareth Pugh <g.pugh@btinternet.test>", "Level 2 plumbing",
  "Hello,\n\nThird week running the Thursday session in Wrexham has been called off at an hour's notice. I've taken unpaid leave each time. I'd like someone to explain what is going on and what you will do about the hours I've lost.\n\nGareth Pugh")
m("complaint", [], "Aisha Rahman <aisha.r@gmail.test>", "Portal",
  "Hi, just to say the e-portfolio still won't let me upload my evidence, same as I reported on the 3rd. My deadline is Friday and nobody has got back to me. Not great tbh. Can somebody sort this please.\nAisha")
m("complaint", [], "Mr D Kowalczyk <d.kowalczyk@wp.test>", "Skarga - kurs spawalniczy",
  "Dzień dobry,\n\nChciałbym złożyć skargę. Od sześciu tygodni nie mam zajęć praktycznych, bo warsztat jest zamknięty, a nikt mnie o tym nie poinformował. Proszę o wyjaśnienie i informację, kiedy zajęcia zostaną nadrobione.\n\nZ poważaniem\nDariusz Kowalczyk", charset="iso-8859-2")
m("complaint", [], "Carmen Ruiz <carmen.ruiz@hotmail.test>", "Queja sobre mi evaluación final",
  "Buenos días:\n\nLes escribo porque llevo dos meses esperando la fecha de mi evaluación final y nadie responde a mis correos. Estoy muy decepcionada con el servicio. Quiero una respuesta por escrito sobre cuándo se hará.\n\nGracias,\nCarmen Ruiz")
m("complaint", [], "Ioana Popescu <ioana.popescu@yahoo.test>", "Reclamatie",
  "Bună ziua,\n\nVreau să fac o reclamație. Tutorele meu a anulat ultimele patru întâlniri fără niciun anunț și nu primesc niciun răspuns la e-mailuri. Aștept o explicație.\n\nIoana Popescu")
m("complaint", [], "João Silva <joao.silva@sapo.test>", "Reclamação formal",
  "Bom dia,\n\nGostaria de apresentar uma reclamação. O meu certificado deveria ter chegado há três meses e ninguém me dá uma resposta. Já liguei cinco vezes. Peço uma explicação por escrito.\n\nJoão Silva")
m("complaint", [], "Rhian Evans <rhian.evans@outlook.test>", "Cwyn",
  "Bore da,\n\nHoffwn wneud cwyn. Mae fy aseswr wedi canslo'r ymweliad gwaith dair gwaith ac nid oes neb wedi ateb fy e-byst. Rwy'n siomedig iawn. A allwch chi egluro beth sy'n digwydd os gwelwch yn dda?\n\nDiolch,\nRhian Evans")
m("complaint", [], "Lee Carter <leecarter88@gmail.test>", "",
  "this is a joke. 4th time my review has been moved. sort it out.")
m("complaint", [], "Paula Nash <paula.nash@nhs.test>", "Re: Your enrolment",
  "Thank you for the enrolment pack. I must say though that I was charged the full fee when I was told at interview that the course was fully funded. I would like the charge reversed and an explanation of how this happened.\n\nRegards\nPaula Nash")
m("complaint", [], "Tom Hughes <tom.hughes@talktalk.test>", "Functional skills maths",
  "I don't like to make a fuss but I have now been waiting since September for a maths tutor. My apprenticeship can't finish without it. Could someone look into this properly please as I'm worried I'll run out of time.\n\nTom")
m("complaint", [], "Sophie Grant <sophie.grant@icloud.test>", "Great service (not)",
  "Wonderful. Another email telling me my certificate is 'on its way'. That's the fifth since June. Really impressive stuff. I want to know who is actually dealing with this.\nSophie")
m("complaint", [], "Karen Jones HR <karen.jones@bakery-ltd.test>", "Apprentice reviews - formal concern",
  "Dear Sir/Madam,\n\nAs the employer of two of your apprentices I am writing to raise a formal concern. Neither has had a progress review since April, and your skills coach no longer answers our calls. If this isn't resolved we will have to look at moving our levy funds to another provider.\n\nKaren Jones\nHR Manager")

# --- complaints with flags ----------------------------------------------------
m("complaint", ["safeguarding"], "Jade Morgan <jade.m@gmail.test>", "Worried",
  "Hi,\n\nI'm not sure who to tell. One of the older lads on my placement keeps messaging me at night and asking me to meet him, and last week he grabbed my arm in the stores. I don't feel safe going in. I've told my supervisor but nothing happened.\n\nJade")
m("complaint", ["safeguarding", "on_behalf"], "Mrs L Ahmed <l.ahmed@btinternet.test>", "My son's placement",
  "Dear complaints team,\n\nI am writing on behalf of my son Imran (17), who is on your business admin apprenticeship. His employer has him working 12-hour days with no breaks, keeps his wages back and has told him he will lose his place if he complains. He is exhausted and frightened. Please act on this urgently.\n\nLubna Ahmed")
m("complaint", ["safeguarding"], "A learner <no-reply.learner@proton.test>", "please read",
  "I dont really know if this is the right place. Ive been having really dark thoughts since my tutor said I would fail in front of everyone and I dont see the point anymore. I dont want to give my name.")
m("complaint", ["safeguarding", "anonymous"], "<concerned2026@gmail.test>", "Concern about a member of staff",
  "I am a colleague at one of your employer sites and I don't want to give my name. I have seen a member of your staff sharing extremist videos with the younger apprentices in the canteen and telling them they should 'take action'. Someone needs to look into this.\n\nA concerned colleague")
m("complaint", ["anonymous"], "<throwaway.mail77@outlook.test>", "Assessor",
  "Your assessor at the Bangor site turns up late every visit, spends half the time on his phone and signs things off he hasn't seen. I'm not giving my name because I still have to work with him. Someone should check his files.\n\nAn apprentice")
m("complaint", ["health_safety"], "Owain Roberts <owain.roberts@gmail.test>", "Workshop",
  "Hi,\n\nThe extraction fan in the joinery workshop has been broken for a month and the place is full of dust, two of us have been coughing all week. There's also no first aider on site on Wednesdays. This needs fixing before someone gets hurt, please reply and tell me when it will be sorted.\n\nOwain")
m("complaint", ["health_safety"], "Beata Nowak <beata.nowak@onet.test>", "Bezpieczeństwo na warsztacie",
  "Dzień dobry,\n\nW warsztacie nie działa wyjście ewakuacyjne, drzwi są zastawione paletami od dwóch tygodni. Zgłaszałam to instruktorowi, ale nic się nie zmieniło. Proszę o pilną interwencję i odpowiedź.\n\nBeata Nowak")
m("complaint", ["assessment_appeal"], "Kieran Walsh <kieran.walsh@gmail.test>", "My EPA result",
  "Hello,\n\nI received my end-point assessment result today: a fail on the professional discussion. I don't think it was marked fairly, the assessor didn't ask about half of my portfolio and the feedback contradicts the grading criteria. I want to appeal the decision and have it re-marked.\n\nKieran Walsh")
m("complaint", ["assessment_appeal"], "Elen Price <elen.price@outlook.test>", "Apêl - canlyniad asesiad",
  "Helo,\n\nDw i eisiau apelio yn erbyn fy ngradd am yr asesiad ymarferol. Dw i'n credu bod y marcio'n anghywir ac nad oedd yr aseswr wedi dilyn y meini prawf. Plîs gadewch i mi wybod sut i apelio.\n\nElen Price")
m("complaint", ["assessment_appeal"], "Nicolae Ionescu <n.ionescu@gmail.test>", "Contest nota",
  "Bună ziua,\n\nNu sunt de acord cu nota primită la examenul practic. Cred că evaluarea nu a fost corectă și aș dori să contest rezultatul. Vă rog să-mi spuneți care este procedura.\n\nNicolae Ionescu")
m("complaint", ["subcontractor"], "Hannah Lewis <hannah.lewis@gmail.test>", "Training delivered by your partner",
  "Hi,\n\nMy course is run for you by a training partner in Chester and frankly it's chaos: sessions cancelled, the trainer doesn't know which unit we're on, and their office says it's your problem, not theirs. You're the provider so I'm complaining to you. Please reply.\n\nHannah Lewis")
m("complaint", ["subcontractor"], "Marek Zieliński <marek.z@interia.test>", "Szkolenie u podwykonawcy",
  "Dzień dobry,\n\nMoje szkolenie prowadzi firma partnerska, z którą współpracujecie. Od miesiąca nie mam kontaktu z trenerem, a oni twierdzą, że to wasza sprawa. Chcę złożyć skargę i proszę o odpowiedź.\n\nMarek Zieliński")
m("complaint", ["staff_subject"], "Gemma Hill <gemma.hill@gmail.test>", "Re: Your complaint PAR-2026-0311",
  "I'm not happy with how my complaint has been handled. The complaints manager who replied has simply repeated what my tutor said and didn't look at any of the evidence I sent. I want someone else, someone more senior, to look at it again.\n\nGemma Hill")
m("complaint", ["staff_subject"], "Darren Shaw <darren.shaw@yahoo.test>", "Centre manager",
  "My complaint is about the centre manager herself. She shouted at me in front of the group and then told me not to bother complaining because it would come to her anyway. I don't think it's right that she deals with this.\n\nDarren Shaw")
m("complaint", ["on_behalf"], "Steve Bennett <s.bennett@garage-services.test>", "Our apprentice Liam",
  "Hi,\n\nI'm Liam's employer. He's been waiting since July for his Level 3 registration to go through and his funding letter still hasn't come. He's too shy to chase it himself so I'm writing for him. We need this sorted and a proper answer.\n\nSteve Bennett\nWorkshop Manager")
m("complaint", ["on_behalf"], "Mair Jenkins <mair.jenkins@btinternet.test>", "Ar ran fy merch",
  "Annwyl Syr/Fadam,\n\nRwy'n ysgrifennu ar ran fy merch, Ffion, sy'n brentis gyda chi. Nid yw hi wedi cael adolygiad ers pum mis ac nid oes neb yn ateb ei galwadau. Rwy'n anhapus iawn ac yn disgwyl ymateb.\n\nMair Jenkins")
m("complaint", ["on_behalf"], "Social worker - J. Davies <j.davies@council.test>", "Care leaver on your programme",
  "Good afternoon,\n\nI am the social worker for a care leaver on your traineeship. She has been removed from the register without any meeting and has lost her bursary. I am writing on her behalf to ask for this decision to be reviewed and explained.\n\nJ. Davies\nLeaving Care Team")

# --- compliments, some mentioning a past problem ------------------------------
m("compliment", [], "Lowri Thomas <lowri.thomas@gmail.test>", "Diolch o galon",
  "Helo,\n\nDim ond eisiau dweud diolch yn fawr iawn i Sioned, fy aseswr. Roedd hi'n wych trwy gydol y cwrs ac fe wnes i basio gyda rhagoriaeth. Diolch!\n\nLowri")
m("compliment", [], "Agnieszka Wójcik <a.wojcik@gmail.test>", "Podziękowanie",
  "Dzień dobry,\n\nChciałam bardzo podziękować mojej trenerce za cierpliwość i wsparcie. Dzięki niej zdałam egzamin za pierwszym razem. Świetna robota!\n\nAgnieszka")
m("compliment", [], "Lucía Fernández <lucia.f@gmail.test>", "Muchas gracias",
  "Hola,\n\nQuería dar las gracias al equipo, sobre todo a mi tutora Ana, por su ayuda durante todo el curso. ¡Un servicio excelente!\n\nLucía")
m("compliment", [], "Mark Owen <mark.owen@owen-electrical.test>", "Praise for your team",
  "Hi,\n\nWe had a rocky start with the paperwork back in spring, but I have to say since Rachel took over as our skills coach it has been brilliant. Both our apprentices passed their EPA last week. Please pass on our thanks.\n\nMark Owen")
m("compliment", [], "Andreea Stan <andreea.stan@yahoo.test>", "Mulțumiri",
  "Bună ziua,\n\nVreau să mulțumesc echipei pentru tot sprijinul. Asesorul meu a fost minunat și foarte răbdător. Vă mulțumesc din suflet!\n\nAndreea")
m("compliment", [], "Ben Clarke <ben.clarke@gmail.test>", "thank you",
  "just wanted to say cheers to dave in the workshop, he went above and beyond to get me through my practical. legend.")
m("compliment", [], "Ana Costa <ana.costa@gmail.test>", "Agradecimento",
  "Olá,\n\nQueria agradecer à minha formadora pela ajuda e pela paciência. Terminei o curso e consegui o emprego que queria. Muito obrigada!\n\nAna Costa")

# --- comments (suggestions) ---------------------------------------------------
m("comment", [], "Iwan Morris <iwan.morris@gmail.test>", "Idea",
  "Hi, not a complaint at all, just a thought: it would really help if the timetable was on the app as well as email, as a lot of us check our phones on site. No need to reply.\nIwan")
m("comment", [], "Katarzyna Lis <k.lis@o2.test>", "Sugestia",
  "Dzień dobry, mam małą sugestię: byłoby dobrze, gdyby materiały były dostępne także po polsku dla osób, które dopiero uczą się angielskiego. Pozdrawiam, Katarzyna")
m("comment", [], "Sian Williams <sian.williams@outlook.test>", "Awgrym",
  "Helo, awgrym bach: byddai'n dda cael sesiynau gyda'r nos i'r rhai ohonom sy'n gweithio shifftiau dydd. Dim angen ateb. Diolch, Sian")
m("comment", [], "Pedro Gómez <pedro.gomez@gmail.test>", "Una sugerencia",
  "Hola, una sugerencia: estaría bien poder reservar las tutorías en línea en vez de por teléfono. No hace falta responder. Saludos, Pedro")
m("comment", [], "Rachel Moore <rachel.moore@care-home.test>", "Feedback on the induction",
  "Hello, as an employer we found the induction day useful. One suggestion for next year: send the apprentices the reading list a week earlier so they can prepare. Thanks, Rachel")

# --- other: enquiries, look-alikes, phishing ------------------------------------
m("other", [], "Chloe Baker <chloe.baker@gmail.test>", "Safeguarding module",
  "Hi, when is the deadline for the safeguarding module on the portal? I can't find it in my handbook. Thanks, Chloe",
  note="look-alike: asks about a course module, no concern")
m("other", [], "Jamie Reid <jamie.reid@gmail.test>", "Health and safety quiz",
  "Hello, I missed the health and safety quiz last Tuesday because I was ill. Can I resit it next week? Thanks Jamie",
  note="look-alike: a resit request")
m("other", [], "Natalia Kaczmarek <n.kaczmarek@wp.test>", "Pytanie o kurs",
  "Dzień dobry, chciałabym zapytać, kiedy zaczyna się następny kurs księgowości i czy jest dofinansowanie? Dziękuję, Natalia")
m("other", [], "Huw Parry <huw.parry@gmail.test>", "Cwestiwn",
  "Helo, pryd mae'r cwrs nesaf yn dechrau yng Nghaernarfon? Diolch, Huw")
m("other", [], "Maria Santos <maria.santos@gmail.test>", "Re: Acknowledgement of your complaint PAR-2026-0140",
  "Thanks, got it. Speak soon.\nMaria",
  note="thanks for an acknowledgement")
m("other", [], "Payroll Dept <payroll@prov1der-secure.test>", "Urgent: update your bank details",
  "Dear staff member,\n\nYour salary payment for this month has been put on hold. Verify your bank details within 24 hours using the secure link below to avoid delay.\n\nhttps://prov1der-secure.test/verify\n\nPayroll",
  note="phishing")
m("other", [], "Liz Turner <liz.turner@hair-studio.test>", "Taking on an apprentice",
  "Hi, I run a small salon and would like to take on a 16-year-old apprentice in January. What funding is available and what do I need to do? Thanks, Liz")
m("other", [], "Adrian Munteanu <adrian.m@gmail.test>", "Întrebare",
  "Bună ziua, aș dori să știu dacă pot să mă înscriu la cursul de electrician și care sunt documentele necesare. Mulțumesc, Adrian")

with open(os.path.join(HERE, "labels.jsonl"), "w") as labels:
    for n, (kind, flags, frm, subject, body, note, charset) in enumerate(M, 1):
        name = f"t1-{n:03d}.eml"
        disp, _, addr = frm.rpartition("<")
        addr = addr.rstrip(">")
        disp = disp.strip()
        from_h = formataddr((Header(disp, "utf-8").encode() if any(ord(c) > 127 for c in disp) else disp, addr)) if disp else f"<{addr}>"
        subj_h = Header(subject, "utf-8").encode() if any(ord(c) > 127 for c in subject) else subject
        data = body.replace("\n", "\r\n").encode(charset)
        head = (f"From: {from_h}\r\nTo: complaints@provider.example\r\nSubject: {subj_h}\r\n"
                f"Date: Mon, 30 Nov 2026 09:{n % 60:02d}:00 +0000\r\nMessage-ID: <t1-{n:03d}@train.test>\r\n"
                f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(head.encode("ascii") + data + b"\r\n")
        line = {"file": name, "kind": kind, "flags": flags}
        if note:
            line["notes"] = note
        labels.write(json.dumps(line, ensure_ascii=False) + "\n")
print(len(M), "messages")
