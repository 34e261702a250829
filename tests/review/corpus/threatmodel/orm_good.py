# expect:
from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base
from sqlalchemy_utils import StringEncryptedType

Base = declarative_base()
KEY = b"from-kms"


class Patient(Base):
    __tablename__ = "patients"
    id = Column(Integer, primary_key=True)
    ssn = Column(StringEncryptedType(String, KEY))
    diagnosis = Column(StringEncryptedType(String, KEY))
