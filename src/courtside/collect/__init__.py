"""courtside.collect"""
