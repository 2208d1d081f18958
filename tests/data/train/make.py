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
BATCH = ["t1"]
def m(kind, flags, frm, subject, body, note="", charset="utf-8"):
    M.append((BATCH[0], kind, flags, frm, subject, body, note, charset))

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

# === batch t2: the flags, each in several guises, and their look-alikes ===
BATCH[0] = "t2"
m("complaint", ["safeguarding"], "Emma Price <emma.price@gmail.test>", "My placement",
  "Hi, I need to tell someone. My supervisor at the salon keeps making comments about my body and touched me when no one was around. I've asked to move placement twice and nothing has happened. Please help.\nEmma")
m("complaint", ["safeguarding", "on_behalf"], "David Lloyd <david.lloyd@btinternet.test>", "Concern about my daughter",
  "Dear complaints team,\n\nMy daughter (16) is on your hairdressing apprenticeship. She has told me she is being sent to clean the salon owner's house unpaid at weekends and is scared to say no. I believe she is being exploited. I am writing for her and expect this to be dealt with immediately.\n\nDavid Lloyd")
m("complaint", ["safeguarding"], "Ryan Cole <ryan.cole@gmail.test>", "Bullying at college",
  "A group in my class has been bullying me for weeks, posting videos of me online and waiting for me outside. I told my tutor and she said to ignore it. I've stopped going in. What are you going to do about it?\nRyan")
m("complaint", ["safeguarding", "on_behalf"], "Carol Edwards <carol.edwards@carers.test>", "Vulnerable adult on your course",
  "Hello,\n\nI am the carer of a vulnerable adult with a learning disability who attends your Tuesday class. He came home without his bank card again and says another learner 'borrows' money from him every week. Staff have been told but nobody has acted. I am raising this on his behalf and would like a response.\n\nCarol Edwards")
m("complaint", ["safeguarding"], "Zoe Allen <zoe.allen@icloud.test>", "not coping",
  "Sorry to email this address, I didn't know where else. Since the assessor told me I'm going to fail and lose my job I've been self-harming again and I can't sleep. I don't want a fuss, I just don't think anyone knows how bad the pressure is.")
m("complaint", ["safeguarding"], "Tomasz Wiśniewski <t.wisniewski@gmail.test>", "Warunki zakwaterowania",
  "Dzień dobry,\n\nPracodawca, u którego odbywam praktykę, zabrał mi paszport i każe mi mieszkać w magazynie razem z pięcioma innymi osobami. Nie dostaję pełnej wypłaty. Boję się stracić pracę. Proszę o pomoc.\n\nTomasz")
m("complaint", ["safeguarding"], "Gwen Davies <gwen.davies@outlook.test>", "Pryder",
  "Helo,\n\nMae un o'r dysgwyr ifanc ar fy nghwrs yn dweud bod ei phartner yn ei tharo hi ac mae hi wedi dod i'r dosbarth gyda chleisiau. Dywedais wrth y tiwtor ond does dim wedi digwydd. Mae angen i rywun weithredu.\n\nGwen")
m("complaint", ["safeguarding", "anonymous"], "<worried.parent.2026@gmail.test>", "Something isn't right",
  "I'd rather not give my name. One of your trainers is messaging 15 and 16 year old apprentices on Snapchat late at night and offering them lifts home. My child showed me the messages. Please look into this.\n\nA worried parent")
m("complaint", ["safeguarding"], "Sara Mendes <sara.mendes@gmail.test>", "Preocupação",
  "Olá,\n\nUm colega do curso fala constantemente sobre grupos extremistas e disse que quer 'fazer alguma coisa grande'. Estou com medo e o formador não levou a sério. Peço que alguém trate disto.\n\nSara")
m("complaint", ["health_safety"], "Craig Morgan <craig.morgan@gmail.test>", "Scaffold at the site",
  "The scaffold at the training site in Newport has a missing guard rail on the top lift and we were still sent up it yesterday. Nobody does the harness checks. This is dangerous and I want to know what you're going to do before someone falls.\nCraig")
m("complaint", ["health_safety"], "Laura Fox <laura.fox@gmail.test>", "Kitchen",
  "Hi, the commis kitchen at the academy has had a gas smell for three days and the extraction is off. We were told to carry on cooking. I'm not happy and I think it's unsafe, please reply.\nLaura")
m("comment", ["health_safety"], "Peter Bryn <peter.bryn@gmail.test>", "Car park lighting",
  "Just a suggestion: the car park at the Llandudno centre is very dark in the evenings and the path by the bins is uneven, someone could trip. Maybe add a light? No need to reply.\nPeter")
m("complaint", ["anonymous"], "<apprentice.voice@proton.test>", "Skills coach",
  "I won't give my name. Our skills coach hasn't turned up for a single review this term, signs off reviews that never took place and tells us to say she came. Several of us feel the same but we're scared of being kicked off.\n\nAn apprentice")
m("complaint", ["anonymous"], "<x9k2mail@tutanota.test>", "",
  "you should know that the tutor in room 4 is drunk most mornings. everyone knows. I'm not saying who I am.")
m("complaint", ["anonymous"], "<nomore@yopmail.test>", "Quality of teaching",
  "This is an anonymous complaint. The teaching on the level 3 course is terrible, sessions are read off slides and questions are ignored. Please don't try to find out who I am.")
m("complaint", ["on_behalf"], "Sandra Hale <sandra.hale@gmail.test>", "My son Josh",
  "Hi,\n\nI'm writing on behalf of my son Josh who is on your motor vehicle apprenticeship. He's been told three times his maths exam is booked and each time it's been cancelled on the day. He's losing confidence. We would like an explanation and a firm date please.\n\nSandra Hale (mum)")
m("complaint", ["on_behalf"], "Gary Pritchard <gary@pritchard-builders.test>", "Our apprentice's funding",
  "Good morning,\n\nI employ one of your bricklaying apprentices, Callum. He has been sent a letter saying his funding has stopped, which nobody explained to him or to us. As his employer I'm asking you to sort this out and confirm in writing.\n\nGary Pritchard\nDirector")
m("complaint", ["on_behalf"], "Advocate - M. Hussain <m.hussain@advocacy.test>", "Complaint for my client",
  "Dear Sir/Madam,\n\nI am an independent advocate acting for a learner with autism on your traineeship. He was excluded from the course after a single incident with no meeting and no reasonable adjustments. I am making this complaint on his behalf and ask that the decision is reviewed.\n\nM. Hussain")
m("complaint", ["on_behalf"], "Elena Vasile <elena.vasile@yahoo.test>", "Reclamație în numele fiului meu",
  "Bună ziua,\n\nVă scriu în numele fiului meu, care este ucenic la dumneavoastră. Nu a avut nicio evaluare de patru luni și nimeni nu răspunde la telefon. Vă rog să-mi răspundeți.\n\nElena Vasile")
m("complaint", ["assessment_appeal"], "Amy Walsh <amy.walsh@gmail.test>", "Re-mark request",
  "Hello,\n\nI have been given a referral on my portfolio unit 7 but the feedback says I met every criterion. I think the marking is wrong and I would like it re-marked by a different assessor please.\n\nAmy Walsh")
m("complaint", ["assessment_appeal"], "Javier Moreno <javier.moreno@gmail.test>", "Reclamación de nota",
  "Hola,\n\nNo estoy de acuerdo con la nota de mi examen práctico. El evaluador no siguió los criterios y quiero recurrir la calificación. ¿Cuál es el procedimiento?\n\nJavier Moreno")
m("complaint", ["assessment_appeal"], "Dylan Jones <dylan.jones@gmail.test>", "Distinction?",
  "My grade came back as a Merit but two of the three observers said Distinction in the room. I'd like the grading decision reviewed, I don't accept it as it stands.\nDylan")
m("complaint", [], "Kirsty Bell <kirsty.bell@gmail.test>", "EPA booking",
  "Hi, this is the second time my end-point assessment booking has been lost by your admin team and I've had to rearrange time off work again. I'm not disputing any result, I just want the booking sorted and an apology.\nKirsty",
  note="an admin complaint about an assessment booking: not assessment_appeal")
m("complaint", ["subcontractor"], "Leanne Ward <leanne.ward@gmail.test>", "Partner training provider",
  "Hello,\n\nMy apprenticeship is delivered by your subcontractor in Swansea. Their tutor left in September and they've had nobody since, just worksheets by email. They say to complain to you as the lead provider, so I am.\n\nLeanne Ward")
m("complaint", ["subcontractor"], "Mohammed Ali <m.ali@gmail.test>", "Third party trainer",
  "Hi, the company you use to deliver the forklift training (not your own staff) cancelled my course twice and now wants me to pay for a rebooking. I was told it was free through you. Please explain.\nMohammed")
m("complaint", ["subcontractor", "on_behalf"], "Julie Roberts <julie.roberts@care-group.test>", "Training delivered on your behalf",
  "Dear team,\n\nAs the employer of four care apprentices I want to complain about the partner organisation delivering their training for you. Sessions start late, registers are falsified and our staff have learnt very little. We expect you, as the contract holder, to act.\n\nJulie Roberts\nRegistered Manager")
m("complaint", ["staff_subject"], "Nia Hughes <nia.hughes@gmail.test>", "Complaint about complaint handling",
  "I'm writing because the person investigating my complaint is the same quality manager I complained about in the first place. That isn't fair. Please pass my complaint to someone independent.\nNia Hughes")
m("complaint", ["staff_subject"], "Paul Reed <paul.reed@gmail.test>", "Head of centre",
  "My complaint is about the head of centre. He cancelled my funding agreement in a phone call, was rude and refused to put anything in writing. I don't want him anywhere near the investigation.\nPaul Reed")
m("complaint", ["staff_subject"], "Cerys Lewis <cerys.lewis@gmail.test>", "Cwyn am y rheolwr",
  "Helo, mae fy nghwyn am y rheolwr cwynion ei hun. Wnaeth hi ddim ateb fy nghwyn gyntaf o gwbl ac wedyn cau'r achos. Hoffwn i rywun arall edrych arno. Cerys")
# look-alikes: no flag, or not a complaint
m("other", [], "Olivia Young <olivia.young@gmail.test>", "Prevent training",
  "Hi, I need to complete the Prevent and safeguarding e-learning for my apprenticeship. The link in my handbook doesn't work, can you send a new one? Thanks Olivia",
  note="look-alike: asks for a training link")
m("other", [], "Rob Smith <rob.smith@gmail.test>", "Appeals procedure",
  "Hello, could you send me a copy of your appeals procedure? I'm just researching for my assignment on quality assurance. Thanks, Rob",
  note="look-alike: asks for a document, no dispute")
m("other", [], "Ffion Rees <ffion.rees@gmail.test>", "First aid course",
  "Helo, oes lle ar y cwrs cymorth cyntaf ym mis Ionawr? Diolch, Ffion")
m("compliment", [], "Kelly Jordan <kelly.jordan@gmail.test>", "Thank you for listening",
  "I wanted to say thank you to the safeguarding officer who helped me last term when things were really difficult at home. She was kind and made sure I got support. I'm doing much better now.\nKelly",
  note="praise of safeguarding support: no current concern")
m("compliment", [], "Sam Evans <sam.evans@evans-plumbing.test>", "Our apprentices",
  "Hi, as an employer I just wanted to say your subcontracted partner in Cardiff has been excellent this year, both of our apprentices passed with distinction. Thank you.\nSam Evans",
  note="praise of a subcontractor: no complaint, no flag")
m("comment", [], "Grace Hall <grace.hall@gmail.test>", "Suggestion for assessments",
  "Not a complaint, just an idea: it would be useful to get the assessment criteria a week before the observation so we know what to prepare. No reply needed.\nGrace")
m("other", [], "Leo Turner <leo.turner@gmail.test>", "Re: Your complaint ALS-2026-0102",
  "Thanks for your reply, that answers everything. Happy for you to close it.\nLeo",
  note="reply closing a complaint: an answer, not a new complaint")

# === batch t3: complaints that say "complaint" and are about the service,
# not about a manager or complaint handler (no staff_subject) ===
BATCH[0] = "t3"
m("complaint", [], "Alan Hughes <alan.hughes@gmail.test>", "Formal complaint",
  "I wish to make a formal complaint about the standard of teaching on my Level 2 course. Half the sessions have been cancelled and the rest are a tutor reading slides. I expect a written response.\nAlan Hughes")
m("complaint", [], "Bethan Owen <bethan.owen@outlook.test>", "Complaint - certificate",
  "This is a complaint. My certificate was due in August and I still don't have it, which has cost me a job offer. Please explain why and tell me when it will arrive.\nBethan")
m("complaint", [], "Chris Lane <chris.lane@gmail.test>", "Complaint",
  "I am not happy with my coaching and want to complain. My coach hasn't been in touch for two months and my reviews are overdue. I want to know what you will do.\nChris")
m("complaint", [], "Dorota Mazur <dorota.mazur@wp.test>", "Complaint about my course",
  "Hello, I want to complain about the English course. The room is too small, there are not enough chairs and the teacher changes every week. Please reply to my complaint.\nDorota")
m("complaint", [], "Efa Jenkins <efa.jenkins@gmail.test>", "Cwyn ffurfiol",
  "Hoffwn wneud cwyn ffurfiol am y cwrs. Dydy'r tiwtor ddim wedi marcio fy ngwaith ers tri mis. Rwy'n disgwyl ateb ysgrifenedig.\nEfa")
m("complaint", [], "Frank Moss <frank.moss@gmail.test>", "Complaint about the portal",
  "Complaint: the learner portal has been down every evening this week, which is the only time I can study. Nobody answers the helpdesk. I'd like this fixed and a reply.\nFrank")

# parents and employers writing about a learner's admin or teaching problem:
# on_behalf, but nothing about the learner's welfare (no safeguarding)
m("complaint", ["on_behalf"], "Helen Parry <helen.parry@gmail.test>", "My daughter's bursary",
  "Megan is my daughter and she's 16, so I'm chasing this for her. Her bursary hasn't been paid since half term and the student services desk keeps saying it is 'in hand'. Please find out what has gone wrong and tell us.\nHelen Parry")
m("complaint", ["on_behalf"], "Ian Cross <ian.cross@btinternet.test>", "My son's timetable",
  "I'm writing on behalf of my son Jake, 17. His timetable has changed four times this term and he has missed two lessons because nobody told him. Please can someone explain what is happening.\nIan Cross")
m("complaint", ["on_behalf"], "Rebecca Khan <rebecca.khan@gmail.test>", "Daughter's laptop loan",
  "Hello, my daughter Aaliyah was promised a laptop loan in September for her course and it still hasn't come. She is doing her assignments on her phone. I would like an explanation and a date.\nRebecca Khan")
m("complaint", ["on_behalf"], "Mike Dunn <mike.dunn@dunn-joinery.test>", "Our apprentice's travel expenses",
  "Hi, our apprentice Tyler hasn't been paid his travel expenses for the block release since October. He's 17 and can't afford the train. As his employer I'm asking you to look into it.\nMike Dunn")

with open(os.path.join(HERE, "labels.jsonl"), "w") as labels:
    counters = {}
    for (batch, kind, flags, frm, subject, body, note, charset) in M:
        counters[batch] = n = counters.get(batch, 0) + 1
        name = f"{batch}-{n:03d}.eml"
        disp, _, addr = frm.rpartition("<")
        addr = addr.rstrip(">")
        disp = disp.strip()
        from_h = formataddr((Header(disp, "utf-8").encode() if any(ord(c) > 127 for c in disp) else disp, addr)) if disp else f"<{addr}>"
        subj_h = Header(subject, "utf-8").encode() if any(ord(c) > 127 for c in subject) else subject
        data = body.replace("\n", "\r\n").encode(charset)
        head = (f"From: {from_h}\r\nTo: complaints@provider.example\r\nSubject: {subj_h}\r\n"
                f"Date: Mon, 30 Nov 2026 09:{n % 60:02d}:00 +0000\r\nMessage-ID: <{batch}-{n:03d}@train.test>\r\n"
                f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(head.encode("ascii") + data + b"\r\n")
        line = {"file": name, "kind": kind, "flags": flags}
        if note:
            line["notes"] = note
        labels.write(json.dumps(line, ensure_ascii=False) + "\n")
print(len(M), "messages")
