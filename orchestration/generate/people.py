"""Fake personal data: citizens' names and contacts, officials, addresses, social-network profiles.

Everything here is invented from the short lists below; no real person's data
is used. These are exactly the fields domain.md §10 calls personal data, so
the demo exercises the warehouse's handling of them (raw layer only, hashed
in staging). Name lists are a property of the language, not of a region.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_MALE = _words(
    "Александр Алексей Андрей Антон Артем Борис Вадим Валерий Василий Виктор Виталий Владимир Вячеслав Геннадий "
    "Георгий Григорий Денис Дмитрий Евгений Егор Иван Игорь Илья Кирилл Константин Леонид Максим Михаил Никита "
    "Николай Олег Павел Петр Роман Руслан Сергей Станислав Степан Тимур Федор Юрий Ярослав"
)
_FEMALE = _words(
    "Александра Алена Алина Алла Анастасия Анна Валентина Валерия Вера Виктория Галина Дарья Диана Екатерина "
    "Елена Елизавета Жанна Зоя Инна Ирина Карина Кристина Ксения Лариса Любовь Людмила Маргарита Марина Мария "
    "Надежда Наталья Нина Оксана Ольга Полина Раиса Светлана София Тамара Татьяна Ульяна Юлия"
)
# Surnames in the masculine form; the feminine one is derived (Иванов → Иванова, Белый → Белая).
_SURNAMES = _words(
    "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Федоров Морозов Волков Алексеев "
    "Лебедев Семенов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин Захаров Зайцев "
    "Соловьев Борисов Яковлев Григорьев Романов Воробьев Сергеев Кузьмин Фролов Александров Дмитриев Королев "
    "Гусев Киселев Ильин Максимов Поляков Сорокин Виноградов Ковалев Белов Медведев Антонов Тарасов Жуков "
    "Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов "
    "Крылов Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов Казаков Афанасьев Данилов Савельев Тимофеев "
    "Фомин Чернов Абрамов Мартынов Ефимов Федотов Щербаков Назаров Калинин Исаев Чернышев Быков Маслов Родионов "
    "Коновалов Лазарев Воронин Климов Филатов Пономарев Голубев Кудрявцев Прохоров Наумов Потапов Журавлев "
    "Овчинников Трофимов Леонов Соболев Ермаков Колесников Гончаров Емельянов Никифоров Грачев Котов Гришин "
    "Ефремов Архипов Громов Кириллов Малышев Панов Моисеев Румянцев Акимов Кондратьев Бирюков Горбунов Анисимов "
    "Еремин Тихомиров Галкин Лукьянов Михеев Скворцов Юдин Белоусов Нестеров Симонов Прокофьев Харитонов "
    "Князев Цветков Левин Митрофанов Воронов Аксенов Софронов Мальцев Логинов Горшков Савин Краснов Майоров "
    "Демидов Елисеев Рыбаков Сафонов Плотников Демин Хохлов Фадеев Молчанов Игнатов Литвинов Ершов Ушаков "
    "Дементьев Рябов Мухин Калашников Леонтьев Лобанов Кузин Корнилов Евдокимов Бородин Платонов Некрасов "
    "Балашов Бобров Жданов Блинов Игнатьев Коротков Муравьев Крюков Беляков Богомолов Дроздов Лавров Зуев "
    "Петухов Ларин Никулин Серов Терентьев Зотов Устинов Фокин Самойлов Константинов Сахаров Шишкин Самсонов "
    "Черкасов Чистяков Носов Спиридонов Карасев Авдеев Воронцов Зверев Владимиров Селезнев Нечаев Кудрявов "
    "Седов Фирсов Андрианов Панин Головин Терехов Ульянов Шестаков Агеев Никонов Селиванов Баженов Гордеев "
    "Кожевников Пахомов Зимин Костин Широков Филимонов Ларионов Овсянников Сазонов Суворов Нефедов Корнеев "
    "Мишин Шевченко Бондаренко Коваленко Кравченко Ткаченко Мельник Лысенко Руденко Савченко Белый Толстой"
)
_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)
_MAIL_HOSTS = ("mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru", "list.ru", "rambler.ru", "ya.ru")
_MAIL_WEIGHTS = (34, 26, 16, 7, 5, 5, 4, 3)
_STREETS = (
    "ул. Ленина", "ул. Советская", "ул. Мира", "ул. Молодежная", "ул. Центральная", "ул. Школьная",
    "ул. Садовая", "ул. Лесная", "ул. Набережная", "ул. Октябрьская", "ул. Гагарина", "ул. Комсомольская",
    "ул. Пушкина", "ул. Кирова", "ул. Первомайская", "ул. Заводская", "ул. Строителей", "ул. Победы",
    "ул. Пролетарская", "ул. Калинина", "ул. Чапаева", "ул. Горького", "ул. Дзержинского", "ул. Маяковского",
    "ул. Луговая", "ул. Полевая", "ул. Северная", "ул. Южная", "ул. Новая", "ул. Рабочая", "ул. Энергетиков",
    "ул. 8 Марта", "ул. Фрунзе", "ул. Свердлова", "ул. Куйбышева", "ул. Карла Маркса", "ул. Островского",
    "ул. Лермонтова", "ул. Некрасова", "ул. Чехова", "ул. Толстого", "ул. Суворова", "ул. Жукова",
    "пр-т Ленина", "пр-т Мира", "пр-т Победы", "пер. Почтовый", "пер. Парковый", "пер. Речной",
    "бул. Гагарина", "бул. Металлургов", "ш. Московское", "мкр. Юбилейный", "мкр. Солнечный", "пл. Революции",
)  # fmt: skip


def translit(text: str) -> str:
    return "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())


def _feminine(surname: str) -> str:
    if surname.endswith(("ов", "ев", "ин", "ын")):
        return surname + "а"
    if surname.endswith("ой") or surname.endswith("ый"):
        return surname[:-2] + "ая"
    return surname  # Шевченко, Мельник: the same for women


def _patronymic(father: str, female: bool) -> str:
    special = {
        "Илья": "Ильич",
        "Никита": "Никитич",
        "Лев": "Львович",
        "Павел": "Павлович",
        "Петр": "Петрович",
        "Юрий": "Юрьевич",
        "Георгий": "Георгиевич",
        "Григорий": "Григорьевич",
        "Валерий": "Валерьевич",
        "Василий": "Васильевич",
        "Геннадий": "Геннадьевич",
        "Виталий": "Витальевич",
        "Леонид": "Леонидович",
        "Дмитрий": "Дмитриевич",
        "Евгений": "Евгеньевич",
        "Вячеслав": "Вячеславович",
        "Игорь": "Игоревич",
        "Михаил": "Михайлович",
    }
    base = special.get(father)
    if base is None:
        base = father[:-1] + "евич" if father.endswith("й") else father + "ович"
    if female:
        # Ильич → Ильинична, Никитич → Никитична; Петрович → Петровна
        feminine = {"Ильич": "Ильинична", "Никитич": "Никитична"}.get(base)
        return feminine or (base[:-2] + "на" if base.endswith("ич") else base + "на")
    return base


_MALE_PATRONYMIC = [_patronymic(n, False) for n in _MALE]
_FEMALE_PATRONYMIC = [_patronymic(n, True) for n in _MALE]
_FEMALE_SURNAMES = [_feminine(s) for s in _SURNAMES]
_MALE_LATIN = [translit(n) for n in _MALE]
_FEMALE_LATIN = [translit(n) for n in _FEMALE]
_SURNAME_LATIN = [translit(s) for s in _SURNAMES]
_FEMALE_SURNAME_LATIN = [translit(s) for s in _FEMALE_SURNAMES]


@dataclass(frozen=True)
class Person:
    """A citizen as the sources see them: name, contacts, an address and a social-network profile."""

    full_name: str  # Фамилия Имя Отчество
    phone: str
    email: str
    street: str
    house: str
    flat: str
    profile_id: int  # a numeric social-network id, turned into a URL per network


class People:
    """Makes people from one random stream; the lists are indexed, never iterated as sets."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def official(self) -> str:
        """An official's ФИО (coordinators, executors, heads): only for the restricted personal-data fields."""
        return self._name()[0]

    def _name(self) -> tuple[str, int, int, bool]:
        rng = self.rng
        female = rng.random() < 0.56
        s = int(rng.random() * len(_SURNAMES))
        f = int(rng.random() * (len(_FEMALE) if female else len(_MALE)))
        p = int(rng.random() * len(_MALE))
        if female:
            return f"{_FEMALE_SURNAMES[s]} {_FEMALE[f]} {_FEMALE_PATRONYMIC[p]}", s, f, True
        return f"{_SURNAMES[s]} {_MALE[f]} {_MALE_PATRONYMIC[p]}", s, f, False

    def person(self) -> Person:
        rng = self.rng
        name, s, f, female = self._name()
        first = _FEMALE_LATIN[f] if female else _MALE_LATIN[f]
        last = _FEMALE_SURNAME_LATIN[s] if female else _SURNAME_LATIN[s]
        style = rng.random()
        if style < 0.4:
            local = f"{last}.{first[0]}{int(rng.random() * 99) + 1}"
        elif style < 0.7:
            local = f"{first}.{last}{1950 + int(rng.random() * 56)}"
        else:
            local = f"{first[:3]}{last}{int(rng.random() * 9000) + 100}"
        host = rng.choices(_MAIL_HOSTS, _MAIL_WEIGHTS)[0]
        digits = f"{int(rng.random() * 10_000_000):07d}"
        operator = 900 + int(rng.random() * 100)
        phone = (
            f"+7 ({operator}) {digits[:3]}-{digits[3:5]}-{digits[5:]}"
            if rng.random() < 0.7
            else f"+7{operator}{digits}"
        )
        street = _STREETS[int(rng.random() * len(_STREETS))]
        house = str(int(rng.random() * rng.choice((20, 60, 150))) + 1)
        if rng.random() < 0.08:
            house += rng.choice(("А", "Б", " к1", " к2", "/1"))
        flat = str(int(rng.random() * 180) + 1) if rng.random() < 0.75 else ""
        return Person(name, phone, f"{local}@{host}", street, house, flat, 100_000 + int(rng.random() * 899_900_000))


def street_name(rng: random.Random) -> str:
    return _STREETS[int(rng.random() * len(_STREETS))]
